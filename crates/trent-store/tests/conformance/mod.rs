//! The storage conformance suite: what every backend of `trent_core::Store` must do, written
//! once and stamped out per backend by [`conformance_tests!`].
//!
//! Each case is a `pub(crate) async fn case(store: Arc<dyn Store>)` in [`cases`] that starts from an
//! empty store and panics on the first deviation from the trait contracts. A backend's test
//! file names a factory and gets one `#[tokio::test]` per case, so a failure names the case
//! and the backend. The suite knows nothing of any backend.

pub(crate) mod cases;
pub(crate) mod fixtures;

/// Stamps out one test per conformance case.
///
/// `$open` is a path to an `async fn() -> (Arc<dyn Store>, G)` returning a fresh, empty store
/// and a guard kept alive for the test (a temporary directory, a test database...), or to an
/// `async fn() -> Option<(Arc<dyn Store>, G)>` for a backend that may be absent (a database
/// server the environment does not name): `None` ends the test, the factory having said so.
///
/// Add a new case here and in [`cases`]; every backend then runs it.
///
/// The audit trail is a store of its own ([`trent_core::store::AuditStore`]):
/// [`audit_conformance_tests!`] stamps out its cases from an `async fn() -> (Arc<dyn AuditStore>, G)`.
macro_rules! conformance_tests {
    ($open:path) => {
        conformance_tests!(@cases $open;
            key_round_trips_every_field,
            every_enum_value_round_trips,
            duplicate_key_is_already_exists_and_changes_nothing,
            same_key_id_in_two_scopes_is_two_keys,
            key_copies_are_one_id_in_every_region_of_one_account,
            a_key_copy_is_inserted_with_every_backing_key_or_not_at_all,
            update_keys_changes_every_copy_or_none,
            list_keys_in_the_order_stored_and_pages_by_position,
            update_key_is_conditional_on_revision,
            concurrent_updates_let_exactly_one_win,
            add_material_is_conditional_and_atomic,
            delete_key_removes_materials_tags_and_its_aliases,
            keys_due_finds_deletions_and_rotations,
            imported_materials_change_one_at_a_time_and_their_expiry_is_due,
            key_usage_keeps_the_latest_and_goes_with_its_key,
            usage_tracking_starts_once,
            aliases_insert_update_delete,
            list_aliases_filters_orders_and_pages,
            tags_upsert_remove_and_page,
            accounts_insert_get_list,
            access_keys_round_trip,
            meta_values_overwrite,
            wrapped_values_are_walked_in_key_order_and_replaced_only_where_unchanged,
            a_rotation_record_is_claimed_once_and_finished_in_one_write,
            wipe_empties_everything_but_meta,
            iam_users_are_unique_regardless_of_case,
            list_users_filters_by_path_prefix_and_pages,
            user_access_keys_keep_the_quota_status_and_path,
            delete_user_refuses_while_anything_is_attached,
            groups_hold_members,
            roles_round_trip_and_refuse_deletion_with_policies,
            list_roles_filters_by_path_prefix_and_pages,
            role_updates_are_compare_and_set,
            inline_policies_put_replace_list_and_delete,
            sessions_round_trip_and_expire,
            batches_write_everything_or_nothing,
            secret_round_trips_every_field,
            duplicate_secret_name_is_already_exists_per_scope,
            secret_updates_are_conditional_and_carry_versions,
            upserted_versions_replace_or_add_under_the_revision,
            delete_secret_removes_its_versions_and_due_lists_deletions,
            delete_secret_is_conditional_on_the_revision_it_is_given,
            replicas_round_trip_and_failed_ones_are_listed,
            cross_account_links_round_trip,
            replicas_due_are_listed_by_their_earliest_retry_time,
            wipe_removes_secrets_and_versions,
            custom_key_stores_round_trip_and_are_unique_per_scope,
            custom_key_store_updates_are_conditional_and_deletes_remove_one,
            keys_in_a_custom_key_store_keep_their_token_object_and_count,
        );
    };
    (@cases $open:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some((store, _guard)) = $crate::conformance::Opened::opened($open().await) else { return };
                $crate::conformance::cases::$case(store).await;
            }
        )+
    };
}

/// Stamps out one test per Parameter Store conformance case, from an
/// `async fn() -> (Arc<dyn ParamStore>, G)` or `async fn() -> Option<(Arc<dyn ParamStore>, G)>`
/// (see [`conformance_tests!`]).
macro_rules! params_conformance_tests {
    ($open:path) => {
        params_conformance_tests!(@cases $open;
            params_versions_round_trip_and_are_conditional,
            params_list_by_path_one_level_every_level_and_pages,
            params_labels_move_between_versions_and_guard_the_oldest,
            params_delete_takes_versions_labels_and_tags,
            params_tags_counts_and_settings,
            params_tier_counts_follow_creation_tier_changes_and_deletion,
            params_tier_quota_lets_one_of_concurrent_new_parameters_in,
            params_tier_quota_lets_one_of_concurrent_tier_changes_in,
            params_policies_round_trip_and_fall_due_across_scopes,
            params_events_commit_with_their_change_in_order,
            events_are_delivered_per_sink_and_trimmed_when_all_have_them,
        );
    };
    (@cases $open:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some((store, _guard)) = $crate::conformance::Opened::opened($open().await) else { return };
                $crate::conformance::cases::$case(store).await;
            }
        )+
    };
}

/// Stamps out one test per audit-trail conformance case (see [`conformance_tests!`]).
macro_rules! audit_conformance_tests {
    ($open:path) => {
        audit_conformance_tests!(@cases $open;
            audit_round_trips_events_digests_and_head,
            audit_appends_are_atomic_and_keep_the_chain_linear,
            audit_large_commits_are_whole,
            audit_searches_filter_order_newest_first_and_page,
            audit_clear_starts_the_trail_over,
        );
    };
    (@cases $open:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some((store, _guard)) = $crate::conformance::Opened::opened($open().await) else { return };
                $crate::conformance::cases::$case(store).await;
            }
        )+
    };
}

/// What a factory of [`conformance_tests!`] returns: a store and its guard, or maybe one.
pub(crate) trait Opened {
    type Opened;
    fn opened(self) -> Option<Self::Opened>;
}

impl<S, G> Opened for (S, G) {
    type Opened = (S, G);
    fn opened(self) -> Option<(S, G)> {
        Some(self)
    }
}

impl<S, G> Opened for Option<(S, G)> {
    type Opened = (S, G);
    fn opened(self) -> Option<(S, G)> {
        self
    }
}
