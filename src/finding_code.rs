//! Every finding code the report can carry, with what it means and which outcomes it is
//! documented with. `docs/finding-codes.md` holds the same table row for row; a test keeps the
//! two identical, so a code cannot reach a report without being documented. With the codes, the
//! `Severity` and `Outcome` a finding carries. It sits below every layer that reports a finding
//! (DCAP, provenance, the git-launcher config, the workload repository), so none of them imports
//! the report for its vocabulary; `report` re-exports all three.

use serde::Serialize;

/// How much a finding matters to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// What a finding does to its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A step that was evaluated and held.
    Pass,
    /// A step that was evaluated and failed: the check fails.
    Fail,
    /// A step that could not be evaluated (missing evidence or expectation).
    NotChecked,
    /// Information that neither passes nor fails anything.
    Note,
}

/// The outcomes a code is documented with (the `outcome` column of docs/finding-codes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Documented {
    Pass,
    Fail,
    NotChecked,
    Note,
    NoteWarning,
    NotCheckedOrFail,
    NotCheckedOrWarning,
}

impl Documented {
    /// The text of the documentation's `outcome` column.
    pub fn as_doc(self) -> &'static str {
        match self {
            Documented::Pass => "pass",
            Documented::Fail => "fail",
            Documented::NotChecked => "not-checked",
            Documented::Note => "note",
            Documented::NoteWarning => "note (warning)",
            Documented::NotCheckedOrFail => "not-checked / fail",
            Documented::NotCheckedOrWarning => "not-checked / note (warning)",
        }
    }

    /// Whether a finding with this outcome and severity is one the documentation describes.
    pub fn allows(self, outcome: Outcome, severity: Severity) -> bool {
        matches!(
            (self, outcome, severity),
            (Documented::Pass, Outcome::Pass, Severity::Info)
                | (Documented::Fail | Documented::NotCheckedOrFail, Outcome::Fail, Severity::Error)
                | (
                    Documented::NotChecked | Documented::NotCheckedOrFail | Documented::NotCheckedOrWarning,
                    Outcome::NotChecked,
                    Severity::Warning
                )
                | (Documented::Note, Outcome::Note, Severity::Info)
                | (Documented::NoteWarning | Documented::NotCheckedOrWarning, Outcome::Note, Severity::Warning)
        )
    }

    /// The most severe severity a finding with this code can have.
    pub fn severity(self) -> Severity {
        match self {
            Documented::Fail | Documented::NotCheckedOrFail => Severity::Error,
            Documented::NotChecked | Documented::NoteWarning | Documented::NotCheckedOrWarning => Severity::Warning,
            Documented::Pass | Documented::Note => Severity::Info,
        }
    }
}

macro_rules! finding_codes {
    ($( $documented:ident $meaning:literal { $( $variant:ident = $code:literal ),+ } )+) => {
        /// A finding's stable kebab-case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FindingCode {
            $( $( $variant, )+ )+
        }

        impl FindingCode {
            /// Every code, in the documentation's order.
            pub const ALL: &'static [FindingCode] = &[ $( $( FindingCode::$variant, )+ )+ ];

            /// The documentation's table rows: codes sharing one meaning, their outcome, the meaning.
            pub const ROWS: &'static [(&'static [FindingCode], Documented, &'static str)] =
                &[ $( (&[ $( FindingCode::$variant ),+ ], Documented::$documented, $meaning), )+ ];

            /// The code as reports and scripts see it.
            pub fn as_str(self) -> &'static str {
                match self { $( $( FindingCode::$variant => $code, )+ )+ }
            }

            /// What a finding with this code means (docs/finding-codes.md).
            pub fn meaning(self) -> &'static str {
                match self { $( $( FindingCode::$variant => $meaning, )+ )+ }
            }

            /// The outcomes this code is documented with.
            pub fn documented(self) -> Documented {
                match self { $( $( FindingCode::$variant => Documented::$documented, )+ )+ }
            }
        }
    };
}

impl FindingCode {
    /// The most severe severity a finding with this code can have.
    pub fn severity(self) -> Severity {
        self.documented().severity()
    }

    /// The code named `text`, if there is one.
    pub fn parse(text: &str) -> Option<FindingCode> {
        FindingCode::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for FindingCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for FindingCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

finding_codes! {
    // Quote authenticity (DCAP)
    Pass "the quote is signed by its attestation key, the QE report binds that key and is signed by the PCK certificate, and the PCK chain verifies to the trusted root at the evaluation time (not revoked, when collateral is given)" { QuoteSignatureChainValid = "quote-signature-chain-valid" }
    NoteWarning "the root was given with `--tdx-root-ca` and is not Intel's: the result proves nothing about real hardware" { UntrustedTestRoot = "untrusted-test-root" }
    Fail "the header's attestation key type is not 2 (ECDSA-256 with P-256)" { AttestationKeyTypeUnsupported = "attestation-key-type-unsupported" }
    Fail "the header's QE vendor ID is not Intel's (939A7233…0607)" { QeVendorIdUnknown = "qe-vendor-id-unknown" }
    Fail "the certification data is not a PEM PCK chain (type 5), so it cannot be verified offline" { PckCertDataUnsupported = "pck-cert-data-unsupported" }
    Fail "the PCK chain in the quote cannot be parsed" { PckChainMalformed = "pck-chain-malformed" }
    Fail "the quote's PCK chain: empty or too long; does not end at the trusted root; an issuer name or signature is wrong; a certificate is outside its validity at the evaluation time; a CA certificate lacks CA=true, its path length or keyCertSign; an unknown critical extension; the leaf is not an \"Intel SGX PCK Certificate\"" { ChainEmpty = "chain-empty", ChainTooLong = "chain-too-long", ChainRootMismatch = "chain-root-mismatch", ChainIssuerMismatch = "chain-issuer-mismatch", ChainBadSignature = "chain-bad-signature", ChainUnsupportedAlgorithm = "chain-unsupported-algorithm", ChainExpired = "chain-expired", ChainNotYetValid = "chain-not-yet-valid", ChainNotCa = "chain-not-ca", ChainPathLenExceeded = "chain-path-len-exceeded", ChainKeyUsage = "chain-key-usage", ChainUnknownCriticalExtension = "chain-unknown-critical-extension", ChainLeafName = "chain-leaf-name" }
    Fail "revocation of the PCK chain cannot be decided: no CRL from a certificate's issuer, or a CRL that is not valid (`crl-expired` also reports an expired root CA or PCK CRL in the collateral)" { CrlMissing = "crl-missing", CrlBadSignature = "crl-bad-signature", CrlExpired = "crl-expired", CrlNotYetValid = "crl-not-yet-valid", CrlNoNextUpdate = "crl-no-next-update", CrlUnknownCriticalExtension = "crl-unknown-critical-extension" }
    Fail "a certificate of the PCK chain (the PCK leaf or its CA) is revoked" { CertRevoked = "cert-revoked" }
    Fail "the PCK certificate's SGX extension (FMSPC, TCB components, …) cannot be read" { PckExtensionMalformed = "pck-extension-malformed" }
    Fail "the QE report is not signed by the PCK certificate's key" { QeReportSignatureInvalid = "qe-report-signature-invalid" }
    Fail "the QE report's report_data is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes (all 64 bytes compared)" { QeReportBindingMismatch = "qe-report-binding-mismatch" }
    Fail "the attestation key is not a P-256 point" { AttestationKeyInvalid = "attestation-key-invalid" }
    Fail "the header and TD report are not signed by the attestation key (any changed byte of the signed part, or of the signature)" { QuoteSignatureInvalid = "quote-signature-invalid" }
    // Collateral and TCB status
    NotChecked "no collateral: the TCB status and PCK revocation are not evaluated" { TcbStatusNotChecked = "tcb-status-not-checked" }
    Pass "the root CA CRL, the PCK CRL and its issuer chain (when the collateral has CRLs), the TCB Info and QE Identity (their TCB Signing chains and signatures over the exact JSON text) verify under the root and are valid at the evaluation time; `actual` gives the window" { CollateralValid = "collateral-valid" }
    Note "the collateral carries its own PCK chain; the quote's chain is the one verified" { CollateralPckChainIgnored = "collateral-pck-chain-ignored" }
    NotChecked "the collateral has no PCK CRL and no root CA CRL (the six-field form of dcap-qvl 0.1.5–0.2.x): its TCB Info and QE Identity are verified and the TCB status is evaluated, but no certificate's revocation can be checked (decision 39)" { RevocationNotChecked = "revocation-not-checked" }
    Fail "a collateral field cannot be read or is missing (the message names it and what it is, e.g. \"the TCB Info\"), or only some of the three CRL fields are present" { CollateralMalformed = "collateral-malformed" }
    Fail "the root CA CRL is not signed by the trusted root" { RootCrlSignatureInvalid = "root-crl-signature-invalid" }
    Fail "the PCK CRL's issuer chain or signature does not verify" { PckCrlChainInvalid = "pck-crl-chain-invalid" }
    Fail "the TCB Info or QE Identity issuer chain does not verify to the root (the message says which and why)" { TcbSigningChainInvalid = "tcb-signing-chain-invalid" }
    Fail "the signature does not verify over the exact signed JSON text" { TcbInfoSignatureInvalid = "tcb-info-signature-invalid", QeIdentitySignatureInvalid = "qe-identity-signature-invalid" }
    Fail "the TCB Info or QE Identity is not valid at the evaluation time (issueDate … nextUpdate; the message gives the dates)" { CollateralExpired = "collateral-expired", CollateralNotYetValid = "collateral-not-yet-valid" }
    Fail "the TCB Info is not a TDX TCB Info of version 3 or later" { TcbInfoUnsupported = "tcb-info-unsupported" }
    Fail "the TCB Info is for another platform than the PCK certificate's" { TcbInfoFmspcMismatch = "tcb-info-fmspc-mismatch", TcbInfoPceidMismatch = "tcb-info-pceid-mismatch" }
    Fail "no `TDX_%02X` module identity for the quote's tee_tcb_svn[1]" { TdxModuleIdentityMissing = "tdx-module-identity-missing" }
    Fail "the TDX module's signer or (masked) SEAM attributes are not the identity's" { TdxModuleMrsignerMismatch = "tdx-module-mrsigner-mismatch", TdxModuleAttributesMismatch = "tdx-module-attributes-mismatch" }
    Fail "the platform is below every TCB level (Intel: TCB_NOT_SUPPORTED)" { TcbLevelNotSupported = "tcb-level-not-supported" }
    Fail "the TDX module's SVN is below every level of its identity" { TdxModuleLevelNotSupported = "tdx-module-level-not-supported" }
    Fail "the QE report does not match the QE Identity (the message names the field: mrsigner, isvprodid, miscselect, attributes, id, version)" { QeIdentityMismatch = "qe-identity-mismatch" }
    Fail "the QE's ISVSVN is below every QE Identity level" { QeLevelNotSupported = "qe-level-not-supported" }
    Fail "a status string Intel does not define; inputs that contradict each other" { TcbStatusUnrecognized = "tcb-status-unrecognized", TcbInputsInconsistent = "tcb-inputs-inconsistent" }
    Pass "the converged TCB status is in `tcb.allowed_statuses` (default `UpToDate` only)" { TcbStatusAllowed = "tcb-status-allowed" }
    Fail "it is not (`expected` lists the allowed ones)" { TcbStatusNotAllowed = "tcb-status-not-allowed" }
    Fail "the converged TCB status is Revoked: never acceptable, whatever `tcb.allowed_statuses` says (a reference cannot list it; decision 38)" { TcbStatusRevoked = "tcb-status-revoked" }
    Fail "an advisory ID of the matched levels is not in `tcb.allowed_advisories`" { TcbAdvisoryNotAllowed = "tcb-advisory-not-allowed" }
    NoteWarning "a TD-preserving TDX module update raised the TCB; relaunching the TD would bring it up to date" { TdRelaunchAdvised = "td-relaunch-advised" }
    // TD policy
    Pass "not debug, no TD-under-debug or reserved bits, not migratable, SEPT_VE_DISABLE set" { TdAttributesOk = "td-attributes-ok" }
    Fail "`td_attributes` bit 0 (DEBUG) is set: the host can read and change the TD's memory" { TdDebug = "td-debug" }
    Fail "another TD-under-debug bit (4–6) is set" { TdUnderDebug = "td-under-debug" }
    Fail "a bit the TDX ABI reserves (1–3, 7–15, 23–26, 32–61) is set" { TdAttributesReserved = "td-attributes-reserved" }
    Fail "MIGRATABLE (bit 29) is set: a migration TD may move the TD and its keys" { TdMigratable = "td-migratable" }
    Fail "SEPT_VE_DISABLE (bit 28) is clear" { TdSeptVeNotDisabled = "td-sept-ve-not-disabled" }
    Fail "(TD 1.5) mr_servicetd is not zero: a service TD is bound" { TdServiceTdBound = "td-service-td-bound" }
    Fail "the TDX module reports non-zero SEAM attributes" { SeamAttributesNonzero = "seam-attributes-nonzero" }
    Fail "`mr_signer_seam` is not zero: the TDX module is not Intel's" { MrSignerSeamNotIntel = "mr-signer-seam-not-intel" }
    // Event log and RTMR replay
    NotChecked "no event log: nothing can be replayed and no runtime event is measured" { EventLogMissing = "event-log-missing" }
    Pass "RTMR*n* replays from the log to the quoted value (one finding per register)" { RtmrReplayMatch = "rtmr-replay-match" }
    Fail "replaying RTMR*n* does not give the quoted value (expected = quoted, actual = replayed)" { RtmrReplayMismatch = "rtmr-replay-mismatch" }
    Note "the log has no events for RTMR0–2 (a stripped log); the quoted value is still compared with the reference" { RtmrNotInLog = "rtmr-not-in-log" }
    Note "the evidence declares a \"lite\" boot log, which leaves RTMR0–2 events out on purpose; the quoted value is still compared with the reference" { RtmrReplayPartialLog = "rtmr-replay-partial-log" }
    Fail "a boot event has no digest, so its register cannot be replayed" { EventDigestMissing = "event-digest-missing" }
    Fail "a runtime event's supplied digest is not the digest of its name and payload" { RuntimeEventDigestMismatch = "runtime-event-digest-mismatch" }
    Fail "a V2 runtime event's preimage is not the canonical JSON of its name and payload" { RuntimeEventPreimageMismatch = "runtime-event-preimage-mismatch" }
    Fail "a runtime event has a version other than 1 or 2, so its digest cannot be recomputed" { RuntimeEventVersionUnknown = "runtime-event-version-unknown" }
    Fail "an RTMR3 entry whose event type is not dstack's runtime event type (0x08000001): its digest cannot be recomputed, so nothing binds its label or payload; names the entry and its type (decision 24)" { Rtmr3EventNotRuntime = "rtmr3-event-not-runtime" }
    // dstack runtime events
    Fail "the log cannot supply runtime values: RTMR3 does not replay, an RTMR3 entry contradicts itself, is not a runtime event or has an ambiguous name, or a log without `system-ready` is not dstack 0.3; names the entry" { RuntimeEventsNotMeasured = "runtime-events-not-measured" }
    Fail "a V1 runtime event before `system-ready` whose name contains ':', so its digest fits another split of name and payload (decision 26)" { RuntimeEventNameAmbiguous = "runtime-event-name-ambiguous" }
    Fail "no `system-ready`, and an RTMR3 event is not one a dstack 0.3 guest measures (or repeats one); expected lists the 0.3 names, actual the event (decision 27)" { RuntimeLogNotDstack03 = "runtime-log-not-dstack-0.3" }
    Fail "a value-bearing event (compose-hash, app-id, …) occurs twice before `system-ready`" { RuntimeEventDuplicate = "runtime-event-duplicate" }
    Fail "a runtime event's payload has the wrong length or form" { RuntimeEventMalformed = "runtime-event-malformed" }
    Fail "a dstack event (compose-hash, app-id, key-provider, …) was measured after `system-ready`, where only the application can extend RTMR3; its value is not used (decision 25)" { RuntimeEventAfterReady = "runtime-event-after-ready" }
    Note "events the application measured after `system-ready` (listed)" { ApplicationEvents = "application-events" }
    Note "no `system-ready` event, and the log is recognisably dstack 0.3 (only its five events, each once); every runtime event counts" { SystemReadyMissing = "system-ready-missing" }
    // compose-hash and MRCONFIGID
    Pass "SHA-256 of the exact app-compose bytes equals the measured compose-hash" { ComposeHashMatch = "compose-hash-match" }
    Fail "it does not (any byte counts, whitespace included)" { ComposeHashMismatch = "compose-hash-mismatch" }
    Fail "RTMR3 holds no compose-hash event" { ComposeHashEventMissing = "compose-hash-event-missing" }
    Note "the measured app-id is the first 20 bytes of the compose-hash (dstack's default when the host supplies none)" { AppIdDefault = "app-id-default" }
    Note "the measured app-id is not derived from the compose-hash (a KMS or on-chain app id, set at deployment)" { AppIdAssigned = "app-id-assigned" }
    NotChecked "the evidence has no app-compose document to tie the measured hash to" { AppComposeMissing = "app-compose-missing" }
    Fail "the attested app-compose writes a key twice in one object: readers disagree on which value counts (dstack's guest refuses it, `serde_json::Value` and jq take the last), so nothing is read from it; the message names the key, its object and the byte offset (decision 71)" { AppComposeDuplicateKey = "app-compose-duplicate-key" }
    Pass "MRCONFIGID is recomputed from measured values: V1 (`0x01 ‖ compose_hash ‖ 0…`), V2 (`0x02 ‖ keccak256(compose_hash ‖ app_id ‖ kind ‖ key_provider_id) ‖ 0…`), or V3 (the hash of the evidence's `mr_config` document, whose fields equal the measured values)" { MrConfigIdMatch = "mr-config-id-match" }
    Fail "MRCONFIGID is not the V1/V2 value of the measured values (or its padding is not zero), or not the hash of the V3 document, or the V3 document states a value that is not the measured one, writes a key twice or has a key dstack's `MrConfigV3` does not know (decision 72; expected and actual name it)" { MrConfigIdMismatch = "mr-config-id-mismatch" }
    Note "V2 or V3 form whose inputs are not available (no measured key-provider event, no `mr_config` document, …): not verified, and not a pass of anything" { MrConfigIdNotRecomputable = "mr-config-id-not-recomputable" }
    Fail "the attested app-compose asks for another key provider kind, or pins another `key_provider_id`, than the measured key-provider event (decision 28)" { KeyProviderComposeDisagree = "key-provider-compose-disagree" }
    Note "V1 form, but no measured compose-hash to compare with" { MrConfigIdV1 = "mr-config-id-v1" }
    Note "MRCONFIGID is all zero" { MrConfigIdUnused = "mr-config-id-unused" }
    NoteWarning "a form dstack does not define" { MrConfigIdUnknown = "mr-config-id-unknown" }
    // RA-TLS certificate binding
    Pass "the quote taken from an RA-TLS certificate has report_data = SHA-512(\"ratls-cert:\" ‖ the leaf's SubjectPublicKeyInfo)" { RatlsBindingMatch = "ratls-binding-match" }
    Fail "it does not: the TLS key is not bound to this CVM" { RatlsBindingMismatch = "ratls-binding-mismatch" }
    // Unmeasured claims
    Fail "a value the input states (Info's `os_image_hash`, a `tcb_info` RTMR, `compose_hash`, `app_id`, `mr_aggregated`, `report_data`, `key_provider_info`, `vm_config.os_image_hash`, …) differs from the measured one: the evidence contradicts itself" { ClaimContradictsMeasurement = "claim-contradicts-measurement" }
    Note "values shown as \"claimed, not measured\"; never used to pass anything" { ClaimedNotMeasured = "claimed-not-measured" }
    // Evidence given twice
    Note "the input carries the quote, the event log, the app-compose or the RTMR3 events in two places and the copies agree (quotes and app-compose byte for byte; event logs entry by entry, a field left empty by stripping matching any); names both places" { EvidenceDuplicateAgrees = "evidence-duplicate-agrees" }
    Fail "the two copies differ: the evidence contradicts itself, whichever copy is right; names both places and the first difference (docs/evidence-shapes.md)" { EvidenceDuplicateMismatch = "evidence-duplicate-mismatch" }
    // Reference values
    NotChecked "no `--reference` was given" { ReferenceMissing = "reference-missing" }
    NotChecked "the reference has no `tdx` (or no `dstack`) section" { ReferenceSectionMissing = "reference-section-missing" }
    NotChecked "a required value (`tdx.mrtd`, `tdx.rtmr0`–`2`, `dstack.compose_hash`) is not set" { ReferenceValueMissing = "reference-value-missing" }
    Note "an optional value (`dstack.app_id`, `dstack.os_image_hash`, `dstack.key_provider`) is not set, so any is accepted" { ReferenceValueUnconstrained = "reference-value-unconstrained" }
    Pass "the quoted register is in the reference allow-list" { MrtdAllowed = "mrtd-allowed", Rtmr0Allowed = "rtmr0-allowed", Rtmr1Allowed = "rtmr1-allowed", Rtmr2Allowed = "rtmr2-allowed" }
    Fail "it is not; `expected` lists the allow-list, the message names the reference entry" { MrtdNotAllowed = "mrtd-not-allowed", Rtmr0NotAllowed = "rtmr0-not-allowed", Rtmr1NotAllowed = "rtmr1-not-allowed", Rtmr2NotAllowed = "rtmr2-not-allowed" }
    Pass "the measured value is allowed" { ComposeHashAllowed = "compose-hash-allowed", AppIdAllowed = "app-id-allowed", OsImageHashAllowed = "os-image-hash-allowed" }
    NoteWarning "the os-image-hash is allowed, but dstack measures the value its KMS returns and the reference pins no KMS id (`dstack.key_provider.id`): it is that KMS's word; the OS is bound by MRTD and RTMR0–2 (decision 74)" { OsImageHashFromUnpinnedKms = "os-image-hash-from-unpinned-kms" }
    Fail "the measured value is not allowed" { ComposeHashNotAllowed = "compose-hash-not-allowed", AppIdNotAllowed = "app-id-not-allowed", OsImageHashNotAllowed = "os-image-hash-not-allowed" }
    Fail "the reference sets a value but no such event is measured (a claimed value does not count)" { ComposeHashNotMeasured = "compose-hash-not-measured", AppIdNotMeasured = "app-id-not-measured", OsImageHashNotMeasured = "os-image-hash-not-measured" }
    Pass "the measured key-provider event has the expected name (and id, when set)" { KeyProviderAllowed = "key-provider-allowed" }
    Fail "it does not" { KeyProviderMismatch = "key-provider-mismatch" }
    Fail "the reference sets a key provider but no key-provider event is measured" { KeyProviderNotMeasured = "key-provider-not-measured" }
    Pass "report_data equals `dstack.report_data` (zero-padded to 64 bytes)" { ReportDataMatch = "report-data-match" }
    Fail "it does not" { ReportDataMismatch = "report-data-mismatch" }
    // Check 2 — launcher provenance
    NotChecked "the reference has no `launcher` section" { LauncherExpectationMissing = "launcher-expectation-missing" }
    NotChecked "the compose file cannot be relied on: the quote does not verify, there is no app-compose, or its hash is not the measured compose-hash" { ComposeNotAttested = "compose-not-attested" }
    Fail "the attested `docker_compose_file` cannot be parsed (the message names the field)" { ComposeUnreadable = "compose-unreadable" }
    Fail "no service runs the reference's `launcher.image` (`actual` lists the services)" { LauncherServiceMissing = "launcher-service-missing" }
    Fail "several services run the launcher image with different references; in check 3, several services could be the git-launcher" { LauncherAmbiguous = "launcher-ambiguous" }
    Fail "the launcher runs by tag: a tag is not a pin" { LauncherNotPinned = "launcher-not-pinned" }
    Pass "the launcher image is pinned by `@sha256:`" { LauncherPinned = "launcher-pinned" }
    NotChecked "`launcher.provenance` is absent or names no repository, workflow, identity or key" { LauncherPolicyMissing = "launcher-policy-missing" }
    NotChecked "no `--bundle` was given (fail when the files hold no bundle)" { LauncherBundleMissing = "launcher-bundle-missing" }
    Pass "a bundle verifies offline against a trusted root and satisfies the identity policy; the message gives the bundle, root, log, signing time, repository, workflow and ref" { LauncherProvenanceVerified = "launcher-provenance-verified" }
    NoteWarning "a warning about the accepted bundle (e.g. no runner claim)" { LauncherProvenanceWarning = "launcher-provenance-warning" }
    Fail "the bundle cannot be verified as given: it cannot be read, has an unsupported form, its verification material contradicts itself, its certificate's issuer is in no trusted root, or it lacks the transparency-log entry or timestamp the policy needs" { BundleMalformed = "bundle-malformed", BundleUnsupported = "bundle-unsupported", VerificationMaterialMismatch = "verification-material-mismatch", CertificateIssuerUntrusted = "certificate-issuer-untrusted", TlogEntryMissing = "tlog-entry-missing", TimestampMissing = "timestamp-missing", TrustedRootUnusable = "trusted-root-unusable" }
    Fail "a verification step failed: the certificate chain, the SCT, the transparency-log entry, the timestamp, the signature, or the artifact digest's algorithm" { CertificateInvalid = "certificate-invalid", SctInvalid = "sct-invalid", TlogInvalid = "tlog-invalid", TimestampInvalid = "timestamp-invalid", SignatureInvalid = "signature-invalid", ArtifactDigestUnsupported = "artifact-digest-unsupported", VerificationFailed = "verification-failed" }
    Fail "the signed statement does not cover the launcher digest, cannot be read, or is not a SLSA provenance attestation" { SubjectDigestMismatch = "subject-digest-mismatch", StatementMalformed = "statement-malformed", NotAnAttestation = "not-an-attestation", PredicateTypeMismatch = "predicate-type-mismatch" }
    Fail "the signing certificate's identity does not satisfy `launcher.provenance`: the named claim differs, is missing, or the build ran on a self-hosted runner the policy does not allow" { IssuerMismatch = "issuer-mismatch", IdentityMismatch = "identity-mismatch", SignerWorkflowMismatch = "signer-workflow-mismatch", RepositoryMismatch = "repository-mismatch", SourceRefRejected = "source-ref-rejected", SelfHostedRunner = "self-hosted-runner", RepositoryIdMismatch = "repository-id-mismatch", OwnerIdMismatch = "owner-id-mismatch", SourceCommitMismatch = "source-commit-mismatch", CertificateClaimMissing = "certificate-claim-missing" }
    // git-launcher deployments
    Fail "the reference expects a git-launcher workload, but no service runs the launcher (or it names no image)" { LauncherConfigMissing = "launcher-config-missing" }
    Fail "the launcher reads (by its own argument rules) a config path other than the reference's `workload.config_path`; the reference never changes what the launcher reads" { LauncherConfigPathMismatch = "launcher-config-path-mismatch" }
    Fail "several `configs:` entries are mounted at the config path (after path cleaning)" { LauncherConfigAmbiguous = "launcher-config-ambiguous" }
    Fail "the launcher never runs the pin: it has `profiles`, `scale: 0` or `deploy.replicas: 0`; its `command:` passes two or more arguments (it refuses to start) or `-h`/`--help`" { LauncherNotStarted = "launcher-not-started" }
    Fail "the config path is provided by the host (bind mount, named volume, `tmpfs`, config `file:`/`environment:`/`external`): the host can swap it" { LauncherConfigNotAttested = "launcher-config-not-attested" }
    Pass "the config comes from an inline top-level `configs:` `content:`, part of the compose-hash" { LauncherConfigAttested = "launcher-config-attested" }
    Fail "the config breaks the launcher's rules (syntax, unknown key, upper-case `COMMIT_SHA`, empty value, path with `..` or absolute, empty `RUN_CMD`, `INSTALL_CMD` without `RUN_CMD`; the message says \"the launcher refuses it too\"), or one of dstack-audit's (decisions 43–46: control characters, a repeated key, a limit, a `REPO_URL` other than `https://` or `git@HOST:PATH`, a relative `WORK_DIR`, an `ENTRYPOINT_SCRIPT` bash would read as an option); the message gives the line and key" { LauncherConfigInvalid = "launcher-config-invalid" }
    Fail "`REPO_URL`, `COMMIT_SHA` or `WORK_DIR` is missing (the launcher requires all three)" { LauncherConfigIncomplete = "launcher-config-incomplete" }
    Fail "the config sets `CHILD_ENV_FILE`: git-launcher v0.1.0 exports that file (outside the compose-hash) into the workload's bash, later versions refuse the key (decision 42)" { LauncherConfigChildEnvFile = "launcher-config-child-env-file" }
    Fail "`COMMIT_SHA` is not a full 40- or 64-hex commit id (short SHA, branch, tag, empty, other text)" { WorkloadCommitNotFull = "workload-commit-not-full" }
    Pass "the config pins the repository to a full commit; the message gives the mode" { WorkloadCommitPinned = "workload-commit-pinned" }
    NoteWarning "`RUN_CMD` (and `INSTALL_CMD`) run instead of an entry script: the commands are trust-bearing" { WorkloadAdvancedMode = "workload-advanced-mode" }
    Note "no longer produced: a config with `CHILD_ENV_FILE` is `launcher-config-child-env-file`" { WorkloadChildEnvFile = "workload-child-env-file" }
    Pass "nothing mounts the config path: the config, and so the pin, is inside the launcher image digest (check 2's provenance covers who built it); the digest is then compared with `images` (`workload-images-allowed`, `workload-image-not-allowed`, or `workload-expectation-missing` without `images`)" { WorkloadPinInImage = "workload-pin-in-image" }
    Fail "the config would be inside an image named by tag (also used by image-pinned deployments)" { WorkloadImageNotPinned = "workload-image-not-pinned" }
    NotChecked "the reference names a repository or commit, but the config is inside the image" { WorkloadCommitNotVisible = "workload-commit-not-visible" }
    Fail "something can change what the launcher runs: the config content is interpolated (`${VAR}`); the launcher's environment sets a name bash, git or the loader read (`BASH_ENV`, `GIT_*`, `LD_*`, `PATH`, `HOME`, …) or shadows a config key with another or deploy-time value; an `env_file`; `entrypoint:` set (a list or `''` included); `command:`, `working_dir`, `image`, a mount's source or target, or `deploy.replicas` interpolated; a mount (bind, volume, tmpfs, config or secret) at, above or inside a system directory, the launcher program, or inside its checkout, or a host path over the checkout; `volumes_from`; the message names the service, key and line. In an image-pinned deployment (decision 60), for every service: `image`, `command`, `entrypoint`, `working_dir`, `user`, a mount's source or target interpolated; `env_file`; a dynamic-loader name in `environment` (`LD_*`, `GCONV_PATH`, `GLIBC_TUNABLES`, `LOCPATH`, `NLSPATH`, `HOSTALIASES`, `MALLOC_*`); a host path or volume at, above or inside a system path of the image; a config or secret there whose content is not literal inline content" { WorkloadOverride = "workload-override" }
    Note "the launcher's environment sets a trust-bearing key to the config's own value" { WorkloadEnvRepeatsConfig = "workload-env-repeats-config" }
    Fail "a key, tag or file the effective-deployment model does not know: an unknown service key of the launcher (`user`, `runtime`, …), `extends` from another file, a cycle of `extends` or a chain beyond the bound, an unknown top-level key, `include:`, a tag other than `!reset`/`!override`, a value Compose would read differently; the message names the service, key and line; in an image-pinned deployment, any service key outside the modelled, inert and power keys and a literal `user` (`healthcheck`, `runtime`, `volumes_from`, …)" { WorkloadKeyNotModelled = "workload-key-not-modelled" }
    Fail "the launcher has `privileged`, `cap_add`, `devices`, `security_opt`, or `pid`/`ipc`/`network_mode`/`userns_mode`/`cgroup` set to `host`, `service:…` or `container:…` (or interpolated), and the reference's `workload.accept` does not name it; in an image-pinned deployment, the same keys on any service. `security_opt` whose entries are all `no-new-privileges` (`:true`, `=true`) gives no power, and `privileged: false` none" { WorkloadPower = "workload-power" }
    NoteWarning "the same, accepted by name in `workload.accept`" { WorkloadPowerAccepted = "workload-power-accepted" }
    NotCheckedOrWarning "a volume is mounted at or above the launcher's `WORK_DIR`: an earlier deployment's `.git/hooks` or `.git/config` run before the pinned commit; the message says how to fix it or accept it; with `persistent-checkout` in `workload.accept` it is a warning note instead" { WorkloadPersistentCheckout = "workload-persistent-checkout" }
    Note "the launcher's environment names that no launcher, bash, git or loader reads: they reach the workload (literal, interpolated or from the deployment); in an image-pinned deployment, each service's environment names other than the dynamic loader's" { WorkloadRuntimeConfiguration = "workload-runtime-configuration" }
    Note "mounts of the launcher outside its checkout, its config and system paths; in an image-pinned deployment, each service's mounts outside the image's system paths" { WorkloadRuntimeData = "workload-runtime-data" }
    Fail "another service can change the launcher: the container engine's socket or state (dstack's `/dstack` included), `privileged`, `pid: host`/`service:…`, `devices`, a strong `cap_add` (`SYS_ADMIN`, `SYS_PTRACE`, …), `volumes_from`, or a writable volume the launcher mounts over its checkout, config or system paths; a writable mount of the CVM's system directories (`/etc`, `/usr`, `/lib*`, `/bin`, `/sbin`, `/root`, decision 82)" { WorkloadSidecarControlsLauncher = "workload-sidecar-controls-launcher" }
    Fail "image-pinned deployment: a service bind-mounts the container engine's socket or state (`/var/run/docker.sock`, `/run/containerd/containerd.sock`, `/var/lib/docker`, `/var/lib/containerd`, dstack's `/dstack`, `/var/volatile/dstack`, or a directory above one, `/var/run` and `/` included): it can start any container from any image, so the compose's digests do not fix what runs (NEAR MPC's launcher starts its node image this way); or mounts the CVM's system directories writable (decision 82)" { WorkloadEngineAccess = "workload-engine-access" }
    NotChecked "services beside the launcher run pinned images, but the reference has no `images` to compare them with (they are listed)" { WorkloadImagesNotChecked = "workload-images-not-checked" }
    Fail "the app-compose's `runner` is `bash` (dstack runs `bash_script`, never the compose file) or one dstack refuses; checks 2 and 3" { RunnerNotCompose = "runner-not-compose" }
    NotCheckedOrFail "the app-compose has a `pre_launch_script` (sourced as root before Compose): not checked without `workload.pre_launch_script_sha256`, a failure when it differs" { PreLaunchScriptNotPinned = "pre-launch-script-not-pinned" }
    Pass "the `pre_launch_script` is the one the reference pins" { PreLaunchScriptPinned = "pre-launch-script-pinned" }
    NotCheckedOrFail "the app-compose has an `init_script` (sourced as root by dstack-prepare.sh): not checked without `workload.init_script_sha256`, a failure when a digest differs or the value is not a string or list of strings" { InitScriptNotPinned = "init-script-not-pinned" }
    Pass "every `init_script` is the one the reference pins, in order" { InitScriptPinned = "init-script-pinned" }
    Fail "`allowed_envs` names a variable that bash, app-compose.sh, the Compose or Docker CLI, or the dynamic loader read (`BASH_ENV`, `COMPOSE_*`, `DOCKER_*`, `LD_*`, `PATH`, …)" { AllowedEnvUnsafe = "allowed-env-unsafe" }
    Note "another name in `allowed_envs`, with the compose lines that interpolate it" { AllowedEnv = "allowed-env" }
    NotChecked "the reference has no `workload` (or no `repo_url` / `commit_sha` in it), or, for image-pinned deployments, no `images`" { WorkloadExpectationMissing = "workload-expectation-missing" }
    Fail "`REPO_URL` differs from `workload.repo_url` (exact comparison)" { WorkloadRepoMismatch = "workload-repo-mismatch" }
    Fail "`COMMIT_SHA` differs from `workload.commit_sha`" { WorkloadCommitMismatch = "workload-commit-mismatch" }
    Fail "`REPO_SUBDIR` or `ENTRYPOINT_SCRIPT` differs (absent in the reference means no subdirectory, `entrypoint.sh`)" { WorkloadScriptMismatch = "workload-script-mismatch" }
    Fail "the config sets `RUN_CMD` but the reference has no `workload.run_cmd`" { WorkloadAdvancedModeUnexpected = "workload-advanced-mode-unexpected" }
    Fail "the reference expects `RUN_CMD` but the config runs the entry script" { WorkloadModeMismatch = "workload-mode-mismatch" }
    Fail "`RUN_CMD` or `INSTALL_CMD` differs from the reference" { WorkloadCommandMismatch = "workload-command-mismatch" }
    Pass "repository, commit, script (or commands) match the reference" { WorkloadMatchesReference = "workload-matches-reference" }
    // `--workload-repo DIR`
    Pass "the commit is in the clone; the message gives the entry script's blob id and mode (or the tree id in advanced mode)" { WorkloadRepoVerified = "workload-repo-verified" }
    Fail "`git` cannot run, DIR is not a repository, or git failed" { WorkloadRepoUnusable = "workload-repo-unusable" }
    Fail "the pinned commit is not in the clone (as a commit object)" { WorkloadCommitAbsent = "workload-commit-absent" }
    Fail "the entry script is not a file at that commit" { WorkloadScriptAbsent = "workload-script-absent" }
    NoteWarning "no remote of the clone is the config's `REPO_URL`" { WorkloadRepoRemoteDiffers = "workload-repo-remote-differs" }
    // Image-pinned deployments (no git-launcher)
    Pass "every service runs an image pinned by `@sha256:`; `actual` lists them" { WorkloadImagesPinned = "workload-images-pinned" }
    Pass "every image is in the reference's `images`" { WorkloadImagesAllowed = "workload-images-allowed" }
    Fail "an image (repository and digest) is not in `images`" { WorkloadImageNotAllowed = "workload-image-not-allowed" }
    Fail "a service is built on the host (`build:`)" { WorkloadImageBuilt = "workload-image-built" }
    Fail "a service names no image, or there are no services" { WorkloadImageMissing = "workload-image-missing" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's code tables, row by row, as the enum writes them.
    fn rows_from_enum() -> Vec<String> {
        FindingCode::ROWS
            .iter()
            .map(|(codes, documented, meaning)| {
                let codes: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
                format!("| {} | {} | {} |", codes.join(", "), documented.as_doc(), meaning)
            })
            .collect()
    }

    /// The rows of every `| code | outcome | meaning |` table in docs/finding-codes.md.
    fn rows_from_doc() -> Vec<String> {
        let doc = include_str!("../docs/finding-codes.md");
        let mut rows = Vec::new();
        let mut in_table = false;
        for line in doc.lines() {
            if line == "| code | outcome | meaning |" {
                in_table = true;
            } else if !line.starts_with('|') {
                in_table = false;
            } else if in_table && !line.starts_with("|---") {
                rows.push(line.to_string());
            }
        }
        rows
    }

    #[test]
    fn the_documentation_and_the_enum_are_identical() {
        let from_doc = rows_from_doc();
        let from_enum = rows_from_enum();
        for (i, (d, e)) in from_doc.iter().zip(&from_enum).enumerate() {
            assert_eq!(d, e, "row {i} of the code tables in docs/finding-codes.md differs from FindingCode");
        }
        assert_eq!(from_doc.len(), from_enum.len(), "docs/finding-codes.md and FindingCode have different row counts");
    }

    #[test]
    fn codes_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in FindingCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'));
            assert_eq!(FindingCode::parse(text), Some(*code));
        }
        assert_eq!(FindingCode::parse("no-such-code"), None);
    }

    #[test]
    fn documented_outcomes_allow_exactly_their_constructors() {
        assert!(Documented::Pass.allows(Outcome::Pass, Severity::Info));
        assert!(!Documented::Pass.allows(Outcome::Fail, Severity::Error));
        assert!(Documented::NotCheckedOrWarning.allows(Outcome::Note, Severity::Warning));
        assert!(!Documented::Note.allows(Outcome::Note, Severity::Warning));
        assert_eq!(FindingCode::QuoteSignatureInvalid.severity(), Severity::Error);
    }
}
