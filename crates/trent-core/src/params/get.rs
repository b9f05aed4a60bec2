//! Reading parameters: `GetParameter` (with `name:version` and `name:label` selectors),
//! `GetParameters` and `GetParametersByPath`, decrypting `SecureString`s only when asked.

use trent_crypto::Plaintext;

use super::filters::{self, For, StringFilter};
use super::model::{Listing, ParameterType, ParameterVersion};
use super::names::{
    SECRETS_MANAGER_REFERENCE, Selector, could_exist, normalize_path, own_name, parameter_arn, path_arn, split_selector,
};
use super::reference::Reference;
use super::{Params, ParamsError, seal, token};
use crate::identity::{Caller, ViaService};
use crate::ids::Scope;
use crate::kms::Kms;
use crate::secrets::{Secrets, ValueOutput};

/// Rows read from the store per step of a filtered listing.
const SCAN_BATCH: u32 = 500;
/// Most rows one filtered listing call examines before it answers (possibly short) with a
/// `NextToken`, so no request walks 100,000 parameters.
const SCAN_LIMIT: usize = 10_000;

/// One parameter version as a read returns it.
#[derive(Debug)]
pub struct ParameterRead {
    /// The version read (its `value` is the stored form).
    pub version: ParameterVersion,
    /// The parameter's ARN.
    pub arn: String,
    /// The value: the text, the decrypted `SecureString`, or its base64 ciphertext.
    pub value: Plaintext,
    /// `:3` or `:label` when the request selected a version.
    pub selector: Option<String>,
    /// For a `/aws/reference/secretsmanager/...` name, the secret's `GetSecretValue` answer
    /// (the wire's `SourceResult`).
    pub source: Option<ValueOutput>,
}

/// A page of `GetParametersByPath` or `GetParameters`.
#[derive(Debug, Default)]
pub struct ParametersPage {
    /// The parameters.
    pub parameters: Vec<ParameterRead>,
    /// Where the next page starts.
    pub next_token: Option<String>,
}

/// What `GetParametersByPath` asks for.
#[derive(Debug, Default)]
pub struct PathQuery {
    /// The path.
    pub path: String,
    /// Every level below it, or only the first.
    pub recursive: bool,
    /// `Type`, `KeyId` and `Label` filters.
    pub filters: Vec<StringFilter>,
    /// Whether `SecureString`s are decrypted.
    pub with_decryption: bool,
    /// Page size, 1..=10.
    pub max_results: u32,
    /// Where to resume.
    pub next_token: Option<String>,
}

/// What reads draw on besides the parameter store: KMS for `SecureString`s, Secrets Manager
/// for `/aws/reference/secretsmanager/...` names.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    /// KMS, called on the caller's behalf.
    pub kms: &'a Kms,
    /// Secrets Manager, read as the caller.
    pub secrets: &'a Secrets,
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sources")
    }
}

impl Params {
    /// The value a read returns for `v`.
    pub(crate) async fn value_of(
        &self,
        kms: &Kms,
        caller: &Caller,
        v: &ParameterVersion,
        arn: &str,
        decrypt: bool,
    ) -> Result<Plaintext, ParamsError> {
        match v.kind {
            ParameterType::SecureString if decrypt => {
                seal::open(&kms.on_behalf(caller, ViaService::SSM), (&self.keys, self.clock.now()), arn, &v.value).await
            }
            ParameterType::SecureString => Ok(seal::ciphertext_text(&v.value)),
            ParameterType::String | ParameterType::StringList => Ok(Plaintext::from_slice(&v.value.0)),
        }
    }

    /// The version `selector` picks of the parameter `name`.
    async fn select(&self, scope: &Scope, name: &str, selector: Selector<'_>) -> Result<ParameterVersion, ParamsError> {
        let not_found = || ParamsError::NotFound { name: name.to_owned() };
        if !could_exist(name) || name.starts_with(SECRETS_MANAGER_REFERENCE) {
            return Err(not_found());
        }
        let found = match selector {
            Selector::Latest => self.store.latest(scope, name).await?,
            Selector::Version(v) => self.store.version(scope, name, v).await?,
            Selector::Label(l) => self.store.labelled(scope, name, l).await?,
        };
        if let Some(v) = found {
            return Ok(v);
        }
        if selector == Selector::Latest || self.store.latest(scope, name).await?.is_none() {
            return Err(not_found());
        }
        Err(match selector {
            Selector::Version(version) => ParamsError::VersionNotFound { name: name.to_owned(), version },
            Selector::Label(label) => ParamsError::LabelNotFound { name: name.to_owned(), label: label.to_owned() },
            Selector::Latest => not_found(),
        })
    }

    /// `GetParameter`; a `/aws/reference/secretsmanager/<secret-id>` name reads the secret
    /// (see [`super::reference`]).
    ///
    /// # Errors
    /// `NotFound`, `VersionNotFound`, `LabelNotFound`, `AccessDenied`, KMS refusals,
    /// `ReferenceNeedsDecryption` and Secrets Manager refusals for a reference.
    pub async fn get_parameter(
        &self,
        sources: Sources<'_>,
        caller: &Caller,
        given: &str,
        with_decryption: bool,
    ) -> Result<ParameterRead, ParamsError> {
        let scope = caller.scope();
        if let Some(reference) = Reference::parse(given) {
            self.authorize(caller, "ssm:GetParameter", &parameter_arn(&scope, reference.name))?;
            return self.read_reference(sources.secrets, caller, &reference, with_decryption).await;
        }
        let kms = sources.kms;
        let (given_name, selector) = split_selector(given);
        let name = own_name(&scope, given_name).ok_or_else(|| ParamsError::NotFound { name: given.to_owned() })?;
        let arn = parameter_arn(&scope, name);
        self.authorize(caller, "ssm:GetParameter", &arn)?;
        self.read(kms, caller, &scope, name, selector, with_decryption).await
    }

    async fn read(
        &self,
        kms: &Kms,
        caller: &Caller,
        scope: &Scope,
        name: &str,
        selector: Selector<'_>,
        decrypt: bool,
    ) -> Result<ParameterRead, ParamsError> {
        let arn = parameter_arn(scope, name);
        let version = self.select(scope, name, selector).await?;
        let value = self.value_of(kms, caller, &version, &arn, decrypt).await?;
        let selector = match selector {
            Selector::Latest => None,
            Selector::Version(v) => Some(format!(":{v}")),
            Selector::Label(l) => Some(format!(":{l}")),
        };
        Ok(ParameterRead { version, arn, value, selector, source: None })
    }

    /// `GetParameters`: the parameters found, in request order without repeats, and the names
    /// (as given) that name nothing. Secrets Manager references are read as by
    /// [`Params::get_parameter`].
    ///
    /// # Errors
    /// `AccessDenied` if any name is not readable, KMS refusals, `ReferenceNeedsDecryption`.
    pub async fn get_parameters(
        &self,
        sources: Sources<'_>,
        caller: &Caller,
        names: &[String],
        with_decryption: bool,
    ) -> Result<(Vec<ParameterRead>, Vec<String>), ParamsError> {
        let scope = caller.scope();
        let checker = self.checker(caller);
        let mut wanted = Vec::new();
        for given in names {
            if wanted.iter().any(|(g, _, _)| g == given) {
                continue;
            }
            if let Some(reference) = Reference::parse(given) {
                checker.check("ssm:GetParameters", &parameter_arn(&scope, reference.name))?;
                if !with_decryption {
                    return Err(ParamsError::ReferenceNeedsDecryption);
                }
                wanted.push((given.clone(), None, Selector::Latest));
                continue;
            }
            let (given_name, selector) = split_selector(given);
            let name = own_name(&scope, given_name);
            if let Some(name) = name {
                checker.check("ssm:GetParameters", &parameter_arn(&scope, name))?;
            }
            wanted.push((given.clone(), name, selector));
        }
        let (mut found, mut invalid) = (Vec::new(), Vec::new());
        for (given, name, selector) in wanted {
            let read = match (name, Reference::parse(&given)) {
                (_, Some(reference)) => self.read_reference(sources.secrets, caller, &reference, with_decryption).await,
                (Some(name), None) => self.read(sources.kms, caller, &scope, name, selector, with_decryption).await,
                (None, None) => {
                    invalid.push(given);
                    continue;
                }
            };
            match read {
                Ok(read) => found.push(read),
                Err(
                    ParamsError::NotFound { .. }
                    | ParamsError::VersionNotFound { .. }
                    | ParamsError::LabelNotFound { .. },
                ) => invalid.push(given),
                Err(e) => return Err(e),
            }
        }
        Ok((found, invalid))
    }

    /// `GetParametersByPath`: the parameters below `query.path` the caller may read, by name.
    ///
    /// The call is refused when a policy denies the path explicitly, or when the caller may
    /// not list the path and may read nothing the page found; otherwise parameters the
    /// caller may not read (`ssm:GetParametersByPath` on their own ARN) are left out.
    ///
    /// # Errors
    /// `InvalidPath`, `HierarchyTooDeep`, filter errors, `InvalidNextToken`, `AccessDenied`,
    /// KMS refusals.
    pub async fn get_parameters_by_path(
        &self,
        kms: &Kms,
        caller: &Caller,
        query: PathQuery,
    ) -> Result<ParametersPage, ParamsError> {
        let scope = caller.scope();
        let path = normalize_path(&query.path)?;
        let checks = filters::compile(&query.filters, For::ByPath)?;
        let labels = filters::labels(&checks);
        let checker = self.checker(caller);
        const ACTION: &str = "ssm:GetParametersByPath";
        let path_allowed = match checker.check(ACTION, &path_arn(&scope, path)) {
            Ok(()) => true,
            Err(e @ ParamsError::AccessDenied { explicit: true, .. }) => return Err(e),
            Err(_) => false,
        };
        let listing = if query.recursive { Listing::Below(path) } else { Listing::Children(path) };
        let mut after = query.next_token.as_deref().map(token::name_of).transpose()?;
        let mut page = ParametersPage::default();
        let mut examined = 0usize;
        'scan: loop {
            let batch = self.store.list(&scope, listing, after.as_deref(), SCAN_BATCH).await?;
            let exhausted = batch.len() < SCAN_BATCH as usize;
            for latest in batch {
                examined += 1;
                after = Some(latest.name.clone());
                let arn = parameter_arn(&scope, &latest.name);
                if checker.may(ACTION, &arn) && filters::passes(&checks, &latest, &[]) {
                    let chosen = match labels {
                        None => Some((latest, None)),
                        Some(labels) => self.first_labelled(&scope, &latest.name, labels).await?,
                    };
                    if let Some((version, selector)) = chosen {
                        let value = self.value_of(kms, caller, &version, &arn, query.with_decryption).await?;
                        page.parameters.push(ParameterRead { version, arn, value, selector, source: None });
                    }
                }
                if page.parameters.len() as u32 >= query.max_results || examined >= SCAN_LIMIT {
                    page.next_token = after.as_deref().map(token::after_name);
                    break 'scan;
                }
            }
            if exhausted {
                break;
            }
        }
        if !path_allowed && page.parameters.is_empty() {
            return Err(ParamsError::AccessDenied {
                principal: caller.arn(),
                action: ACTION,
                resource: path_arn(&scope, path),
                explicit: false,
            });
        }
        Ok(page)
    }

    /// The version of `name` that the first of `labels` points to, with its selector.
    async fn first_labelled(
        &self,
        scope: &Scope,
        name: &str,
        labels: &[String],
    ) -> Result<Option<(ParameterVersion, Option<String>)>, ParamsError> {
        for label in labels {
            if let Some(v) = self.store.labelled(scope, name, label).await? {
                return Ok(Some((v, Some(format!(":{label}")))));
            }
        }
        Ok(None)
    }
}
