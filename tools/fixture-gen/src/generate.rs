//! Everything the generator writes, as an ordered map from relative path to bytes, so that
//! writing and `--check` share one code path and nothing depends on file-system order.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::collateral::collateral_json;
use crate::error::Result;
use crate::keys;
use crate::pki::{LeafKind, Pki, Root};
use crate::quote::{build_quote, Signers};
use crate::readme;
use crate::scenarios::{self, Scenario};

/// Relative path → contents.
pub type Files = BTreeMap<String, Vec<u8>>;

pub const ATTESTATION_KEY_LABEL: &str = "dstack-audit test attestation key";

#[derive(Serialize)]
struct ExpectedJson {
    at: String,
    status: Option<&'static str>,
    advisory_ids: &'static [&'static str],
    error_code: Option<&'static str>,
    what: &'static str,
}

/// Generates every file.
pub fn generate() -> Result<Files> {
    let test = Pki::build(Root::Test)?;
    let other = Pki::build(Root::Other)?;
    let scenarios = scenarios::all();
    let mut files = Files::new();
    files.insert("README.md".into(), readme::readme(&test, &scenarios)?.into_bytes());
    files.insert("test-root-ca.pem".into(), test.root.pem()?.into_bytes());
    add_pki_files(&mut files, &test)?;
    for scenario in &scenarios {
        let pki = match scenario.root {
            Root::Test => &test,
            Root::Other => &other,
        };
        add_scenario(&mut files, scenario, pki)?;
    }
    files.insert("dcap/wrong-root/other-root-ca.pem".into(), other.root.pem()?.into_bytes());
    crate::deployment::add_deployments(&mut files, &test)?;
    crate::attacks::add_attacks(&mut files, &test)?;
    Ok(files)
}

/// The test PKI's pieces, one file each, for chain and CRL unit tests.
fn add_pki_files(files: &mut Files, pki: &Pki) -> Result<()> {
    files.insert("pki/pck-platform-ca.pem".into(), pki.platform_ca.pem()?.into_bytes());
    files.insert("pki/tcb-signing.pem".into(), pki.tcb_signing.pem()?.into_bytes());
    for kind in LeafKind::ALL {
        files.insert(format!("pki/pck-leaf-{}.pem", kind.slug()), pki.leaf(kind)?.cert.pem()?.into_bytes());
    }
    files.insert("pki/root-ca.crl.der".into(), pki.root_crl.clone());
    files.insert("pki/pck-platform-ca.crl.der".into(), pki.pck_crl.clone());
    Ok(())
}

fn add_scenario(files: &mut Files, scenario: &Scenario, pki: &Pki) -> Result<()> {
    let dir = format!("dcap/{}", scenario.name);
    let leaf = pki.leaf(scenario.leaf)?;
    let attestation_key = keys::signing_key(ATTESTATION_KEY_LABEL)?;
    let chain = pki.pck_chain_pem(scenario.leaf)?;
    let signers = Signers {
        attestation_key: &attestation_key,
        pck_key: &leaf.cert.key,
        pck_chain_pem: &chain,
        cpu_svn: leaf.platform.cpusvn(),
    };
    files.insert(format!("{dir}/quote.bin"), build_quote(&scenario.quote, &signers)?);
    files.insert(format!("{dir}/collateral.json"), collateral_json(pki, scenario.tcb_info)?.into_bytes());
    let expected = ExpectedJson {
        at: scenario.at.rfc3339()?,
        status: scenario.status,
        advisory_ids: scenario.advisory_ids,
        error_code: scenario.error_code,
        what: scenario.what,
    };
    let mut text = serde_json::to_string_pretty(&expected)?;
    text.push('\n');
    files.insert(format!("{dir}/expected.json"), text.into_bytes());
    Ok(())
}
