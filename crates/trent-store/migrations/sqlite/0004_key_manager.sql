-- Trent SQLite schema, version 4: who manages a key.
--
-- 'CUSTOMER' for keys created with CreateKey (every key before this version), 'AWS' for the
-- AWS managed keys a Trent service creates on first use (alias/aws/<service>).

ALTER TABLE kms_keys ADD COLUMN key_manager TEXT NOT NULL DEFAULT 'CUSTOMER'
    CHECK (key_manager IN ('AWS', 'CUSTOMER'));
