//! Intel's TCB algorithm on the real pairings of SOURCES.md "Expected outcomes", and on
//! synthetic variations of row 1 for every rule real data cannot show.

use super::test_support::*;
use super::*;
use crate::finding_code::FindingCode;

#[test]
fn row_01_dcap_qvl_quote_is_up_to_date() {
    let e = assert_status(row("dcap-qvl/tdx_quote", QVL_COLLATERAL), TcbStatus::UpToDate, &[]);
    assert_eq!(e.module_identity, "TDX_01");
    assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
    assert_eq!(
        (e.sgx_status, e.platform_status, e.qe_status),
        (TcbStatus::UpToDate, TcbStatus::UpToDate, TcbStatus::UpToDate)
    );
    assert_eq!(e.tcb_date, "2024-03-13T00:00:00Z");
}

#[test]
fn row_03_outdated_v5_quote_has_no_matching_level() {
    // PCK SGX component 7 (SEAMLDR ACM) is 3, every level wants 5.
    let i = inputs_of("dcap-qvl/tdx_quote_outdated");
    assert_eq!(i.pck_sgx_components[7], 3);
    assert_no_level(
        row("dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx_quote_outdated_collateral.json"),
        PlatformStage::Sgx,
    );
}

#[test]
fn row_04_hex_quote_has_no_matching_level() {
    assert_no_level(row("dcap-qvl/tdx-quote.hex", QVL_COLLATERAL), PlatformStage::Sgx);
}

#[test]
fn row_05_tappd_quote_has_no_matching_level() {
    assert_no_level(row("dcap-qvl/quote-from-tappd.hex", QVL_COLLATERAL), PlatformStage::Sgx);
}

#[test]
fn row_06_07_tee_solver_quotes_are_up_to_date() {
    let e = assert_status(
        row("tee-solver/alice/quote.hex", "tee-solver/alice/quote_collateral.json"),
        TcbStatus::UpToDate,
        &[],
    );
    assert_eq!(e.module_identity, "TDX_01");
    assert_status(row("tee-solver/bob/quote.hex", "tee-solver/bob/quote_collateral.json"), TcbStatus::UpToDate, &[]);
}

#[test]
fn row_08_v5_sample_with_dcap_qvl_collateral_is_up_to_date() {
    let e = assert_status(
        row("go-tdx-guest/quote_v5_sample.dat", "dcap-qvl/tdx_quote_outdated_collateral.json"),
        TcbStatus::UpToDate,
        &[],
    );
    // A TD 1.5 report: the relaunch check ran and did not apply.
    assert!(inputs_of("go-tdx-guest/quote_v5_sample.dat").td15);
    assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
}

#[test]
fn row_09_v5_sample_with_go_tdx_guest_collateral_is_up_to_date() {
    assert_status(
        row("go-tdx-guest/quote_v5_sample.dat", "go-tdx-guest/assembled_collateral_v5_2026.json"),
        TcbStatus::UpToDate,
        &[],
    );
}

#[test]
fn row_11_spr_e4_quote_has_no_matching_level() {
    // Module version 0: the base tdxModule is used (this TCB Info has no module identities).
    let i = inputs_of("go-tdx-guest/tdx_prod_quote_SPR_E4.dat");
    assert_eq!(i.tee_tcb_svn[1], 0);
    assert_no_level(
        row("go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "go-tdx-guest/assembled_collateral_v4_2023.json"),
        PlatformStage::Sgx,
    );
}

#[test]
fn row_12_dcap_rs_quote_is_out_of_date() {
    let e = assert_status(
        row("dcap-rs/quote_tdx_00806f050000.dat", DCAP_RS_COLLATERAL),
        TcbStatus::OutOfDate,
        &["INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"],
    );
    assert_eq!(e.platform_status, TcbStatus::OutOfDate);
    assert_eq!(e.module_status, Some(TcbStatus::UpToDate));
}

/// TEE_TCB_SVN is 04 01 07: the module ISVSVN 4 is below the newest level's
/// tdxtcbcomponents[0] = 5, so comparing all 16 bytes (dcap-qvl 0.5.2) lands on an OutOfDate
/// level. With TEE_TCB_SVN[1] > 0 QVL skips bytes 0–1 and judges the module by TDX_01's levels.
#[test]
fn row_13_cos_113_quote_is_up_to_date_only_with_the_svn_skip() {
    let i = inputs_of("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
    let (tcb_info, qe) = collateral(DCAP_RS_COLLATERAL);
    assert_eq!(i.tee_tcb_svn[..3], [4, 1, 7]);
    assert!(i.tee_tcb_svn[0] < tcb_info.tcb_levels[0].tdx_components[0]);
    let e = assert_status(evaluate_tcb(&i, &tcb_info, &qe), TcbStatus::UpToDate, &[]);
    assert_eq!(e.tcb_date, tcb_info.tcb_levels[0].tcb_date);
    // Without the skip (module version 0, base tdxModule), the same SVNs are OutOfDate.
    let mut no_skip = i.clone();
    no_skip.tee_tcb_svn[1] = 0;
    let e = evaluate_tcb(&no_skip, &tcb_info, &qe).unwrap();
    assert_eq!(e.status, TcbStatus::OutOfDate);
    assert_eq!(e.advisory_ids, ["INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"]);
}

#[test]
fn row_14_td15ex_quote_is_up_to_date() {
    let i = inputs_of("dcap-qvl-0.7.1/tdx_quote_td15ex");
    assert!(i.td15 && i.tee_tcb_svn2 == Some(i.tee_tcb_svn));
    assert_status(
        row("dcap-qvl-0.7.1/tdx_quote_td15ex", "dcap-qvl-0.7.1/tdx_quote_td15ex_collateral.json"),
        TcbStatus::UpToDate,
        &[],
    );
}

/// The platform level is OutOfDate with four advisories; the module (TDX_01, ISVSVN 6 < 11)
/// is OutOfDate too with three of them: the union keeps the platform's order.
#[test]
fn row_15_dcap_qvl_quote_with_2026_collateral_is_out_of_date() {
    let e = assert_status(
        row("dcap-qvl/tdx_quote", "derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json"),
        TcbStatus::OutOfDate,
        &SA_2026,
    );
    assert_eq!(e.platform_status, TcbStatus::OutOfDate);
    assert_eq!(e.module_status, Some(TcbStatus::OutOfDate));
    assert_eq!(e.tcb_date, "2025-05-14T00:00:00Z");
    assert_eq!(e.module_tcb_date.as_deref(), Some("2025-05-14T00:00:00Z"));
    assert_eq!(e.qe_status, TcbStatus::UpToDate);
    // The module's IDs here are a prefix of the platform's; one it alone lists goes last.
    let (mut t, q) = collateral("derived/td15ex_collateral_B0C06F_2026-10_without_pck_chain.json");
    t.tdx_module_identities[1].tcb_levels[1].advisory_ids.insert(0, "INTEL-SA-09999".into());
    let e = evaluate_tcb(&inputs_of("dcap-qvl/tdx_quote"), &t, &q).unwrap();
    assert_eq!(e.advisory_ids, [&SA_2026[..], &["INTEL-SA-09999"]].concat());
}

#[test]
fn advisory_union_keeps_platform_then_module_then_qe_order() {
    let (mut i, mut t, mut q) = base();
    i.tee_tcb_svn[0] = 3;
    t.tcb_levels[0].advisory_ids = vec!["SA-A".into(), "SA-B".into()];
    t.tdx_module_identities[1].tcb_levels[1].advisory_ids = vec!["SA-C".into(), "SA-A".into()];
    q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &["SA-D", "SA-B", "SA-C"]));
    i.qe_isv_svn = 2;
    assert_eq!(eval(&i, &t, &q).advisory_ids, ["SA-A", "SA-B", "SA-C", "SA-D"]);
}

// ---- synthetic variations of row 1 ----

#[test]
fn row_1_facts() {
    let (i, t, _) = base();
    assert_eq!(i.tee_tcb_svn[..3], [6, 1, 3]);
    assert_eq!(i.pck_fmspc, t.fmspc);
    assert_eq!(i.qe_isv_svn, 6);
    assert_eq!(t.module_identity(1).unwrap().tcb_levels.iter().map(|l| l.isvsvn).collect::<Vec<_>>(), [4, 2]);
}

#[test]
fn module_identity_missing() {
    let (mut i, t, q) = base();
    i.tee_tcb_svn[1] = 0x09;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e, TcbError::ModuleIdentityMissing { id: "TDX_09".into() });
    assert_eq!(e.code(), FindingCode::TdxModuleIdentityMissing);
    assert!(e.to_string().contains("TDX_09"));
    // Ids compare case-insensitively (QVL upper-cases them).
    let (mut i, mut t, q) = base();
    i.tee_tcb_svn[1] = 0x0a;
    t.tdx_module_identities[1].id = "tdx_0a".into();
    assert_eq!(eval(&i, &t, &q).module_identity, "TDX_0A");
}

#[test]
fn module_signer_mismatch() {
    let (mut i, t, q) = base();
    i.mr_signer_seam[47] = 1;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e.code(), FindingCode::TdxModuleMrsignerMismatch);
    assert!(matches!(&e, TcbError::ModuleSignerMismatch { identity, .. } if identity == "TDX_01"), "{e:?}");
    // Module version 0 checks the base tdxModule.
    let (mut i, mut t, q) = base();
    i.tee_tcb_svn[1] = 0;
    t.tdx_module.mrsigner[0] = 0xaa;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert!(matches!(&e, TcbError::ModuleSignerMismatch { identity, .. } if identity == "tdxModule"), "{e:?}");
}

#[test]
fn module_attributes_are_compared_under_the_mask() {
    let (mut i, t, q) = base();
    i.seam_attributes[0] = 0x01;
    assert_eq!(code(&i, &t, &q), FindingCode::TdxModuleAttributesMismatch);
    // The identity expects a bit the quote lacks.
    let (i, mut t, q) = base();
    t.tdx_module_identities[1].attributes[3] = 0x80;
    assert_eq!(code(&i, &t, &q), FindingCode::TdxModuleAttributesMismatch);
    // A bit outside the mask that the identity sets is ignored …
    let (i, mut t, q) = base();
    t.tdx_module_identities[1].attributes[3] = 0x80;
    t.tdx_module_identities[1].attributes_mask[3] = 0x7f;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
    // … but the quote may not set one.
    let (mut i, mut t, q) = base();
    t.tdx_module_identities[1].attributes_mask[3] = 0x7f;
    i.seam_attributes[3] = 0x80;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert!(e.to_string().contains("outside the mask"), "{e}");
}

#[test]
fn no_module_level() {
    let (mut i, t, q) = base();
    i.tee_tcb_svn[0] = 1; // TDX_01 levels are 4 and 2
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e, TcbError::NoMatchingModuleLevel { identity: "TDX_01".into(), isvsvn: 1 });
    assert_eq!(e.code(), FindingCode::TdxModuleLevelNotSupported);
}

#[test]
fn module_out_of_date_converges() {
    let (mut i, mut t, q) = base();
    i.tee_tcb_svn[0] = 3; // TDX_01 level isvsvn 2: OutOfDate
    t.tdx_module_identities[1].tcb_levels[1].advisory_ids = vec!["INTEL-SA-00001".into()];
    let e = eval(&i, &t, &q);
    assert_eq!(
        (e.platform_status, e.module_status, e.status),
        (TcbStatus::UpToDate, Some(TcbStatus::OutOfDate), TcbStatus::OutOfDate)
    );
    assert_eq!(e.advisory_ids, ["INTEL-SA-00001"]);
    assert_eq!(e.module_tcb_date.as_deref(), Some("2023-08-09T00:00:00Z"));
    for (level, converged) in [
        (TcbStatus::SWHardeningNeeded, TcbStatus::OutOfDate),
        (TcbStatus::ConfigurationNeeded, TcbStatus::OutOfDateConfigurationNeeded),
        (TcbStatus::ConfigurationAndSWHardeningNeeded, TcbStatus::OutOfDateConfigurationNeeded),
        (TcbStatus::OutOfDate, TcbStatus::OutOfDate),
        (TcbStatus::OutOfDateConfigurationNeeded, TcbStatus::OutOfDateConfigurationNeeded),
        (TcbStatus::Revoked, TcbStatus::Revoked),
    ] {
        t.tcb_levels[0].tcb_status = level;
        let e = eval(&i, &t, &q);
        assert_eq!((e.platform_status, e.status), (level, converged));
    }
}

#[test]
fn module_revoked_is_revoked() {
    let (mut i, mut t, q) = base();
    i.tee_tcb_svn[0] = 3;
    t.tdx_module_identities[1].tcb_levels[1].tcb_status = TcbStatus::Revoked;
    for level in [TcbStatus::UpToDate, TcbStatus::ConfigurationNeeded, TcbStatus::OutOfDate] {
        t.tcb_levels[0].tcb_status = level;
        let e = eval(&i, &t, &q);
        assert_eq!((e.module_status, e.status), (Some(TcbStatus::Revoked), TcbStatus::Revoked));
    }
}

#[test]
fn module_levels_allow_only_module_statuses() {
    let (i, mut t, q) = base();
    t.tdx_module_identities[1].tcb_levels[0].tcb_status = TcbStatus::SWHardeningNeeded;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e.code(), FindingCode::TcbStatusUnrecognized);
    assert!(e.to_string().contains("tdxModuleIdentities[1].tcbLevels[0]"), "{e}");
    let (i, mut t, q) = base();
    t.tcb_levels[0].tcb_status = TcbStatus::TDRelaunchAdvised;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(
        e,
        TcbError::UnexpectedStatus { level: "tcb_info.tcbLevels[0]".into(), status: TcbStatus::TDRelaunchAdvised }
    );
}

#[test]
fn td15_relaunch_advised() {
    let (i, mut t, q) = td15();
    let e = eval(&i, &t, &q);
    assert_eq!(e.status, TcbStatus::TDRelaunchAdvised);
    assert!(e.relaunch_advised);
    assert_eq!(e.module_status, Some(TcbStatus::OutOfDate));
    // A configuration-needed level keeps that in the advice.
    t.tcb_levels[0].tcb_status = TcbStatus::ConfigurationNeeded;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvisedConfigurationNeeded);
    t.tcb_levels[0].tcb_status = TcbStatus::SWHardeningNeeded;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
}

#[test]
fn td15_relaunch_needs_svn2_at_the_latest_level() {
    let (mut i, t, q) = td15();
    i.tee_tcb_svn2.as_mut().unwrap()[0] = 3;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    let (mut i, t, q) = td15();
    i.tee_tcb_svn2.as_mut().unwrap()[2] = 2; // latest level's late microcode SVN; the row-1 quote has 3
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
    i.tee_tcb_svn2.as_mut().unwrap()[2] = 1;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    // Module version 0 in SVN2: compared with the latest level's tdxtcbcomponents[0] (5).
    let (mut i, t, q) = td15();
    i.tee_tcb_svn2 = Some([5, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::TDRelaunchAdvised);
    i.tee_tcb_svn2 = Some([4, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    // SVN2 naming a module identity the TCB Info lacks.
    let (mut i, t, q) = td15();
    i.tee_tcb_svn2.as_mut().unwrap()[1] = 7;
    assert_eq!(evaluate_tcb(&i, &t, &q).unwrap_err(), TcbError::ModuleIdentityMissing { id: "TDX_07".into() });
}

#[test]
fn td15_relaunch_not_advised_when_qe_or_platform_blocks_it() {
    // QE out of date: no relaunch, the QE downgrades instead.
    let (mut i, t, mut q) = td15();
    q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &[]));
    i.qe_isv_svn = 3;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    // SGX level out of date.
    let (i, mut t, q) = td15();
    t.tcb_levels[0].tcb_status = TcbStatus::OutOfDate;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    // A TD 1.0 report never gets the advice.
    let (mut i, t, q) = td15();
    i.td15 = false;
    i.tee_tcb_svn2 = None;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::OutOfDate);
    // Module revoked: revoked.
    let (i, mut t, q) = td15();
    t.tdx_module_identities[1].tcb_levels[1].tcb_status = TcbStatus::Revoked;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::Revoked);
}

#[test]
fn qe_identity_mismatch_on_each_field() {
    type Edit = fn(&mut TcbInputs, &mut QeIdentity);
    let cases: [(&str, Edit); 7] = [
        ("mrsigner", |i, _| i.qe_mr_signer[0] ^= 1),
        ("isvprodid", |i, _| i.qe_isv_prod_id = 1),
        ("miscselect", |i, _| i.qe_misc_select = 1),
        ("miscselect", |_, q| q.miscselect = [0, 0, 0, 0x80]),
        ("attributes", |i, _| i.qe_attributes[1] ^= 0x01),
        ("id", |_, q| q.id = "QE".into()),
        ("version", |_, q| q.version = 1),
    ];
    for (field, edit) in cases {
        let (mut i, t, mut q) = base();
        edit(&mut i, &mut q);
        match evaluate_tcb(&i, &t, &q) {
            Err(e @ TcbError::QeIdentityMismatch { .. }) => {
                assert_eq!(e.code(), FindingCode::QeIdentityMismatch);
                assert!(matches!(e, TcbError::QeIdentityMismatch { field: f, .. } if f == field), "{field}: {e:?}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    // Masked-out bits do not matter: attributes byte 0 bit 2 is outside FB.
    let (mut i, t, q) = base();
    i.qe_attributes[0] ^= 0x04;
    i.qe_misc_select = 0;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
    let (mut i, t, mut q) = base();
    q.miscselect_mask = [0xfe, 0xff, 0xff, 0xff];
    i.qe_misc_select = 1;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::UpToDate);
}

#[test]
fn qe_out_of_date_downgrades() {
    let (mut i, mut t, mut q) = base();
    q.tcb_levels.push(module_level(2, TcbStatus::OutOfDate, &["INTEL-SA-00002"]));
    i.qe_isv_svn = 3;
    let e = eval(&i, &t, &q);
    assert_eq!((e.qe_status, e.status), (TcbStatus::OutOfDate, TcbStatus::OutOfDate));
    assert_eq!(e.advisory_ids, ["INTEL-SA-00002"]);
    assert_eq!(e.qe_tcb_date, "2020-01-01T00:00:00Z");
    t.tcb_levels[0].tcb_status = TcbStatus::ConfigurationAndSWHardeningNeeded;
    t.tcb_levels[0].advisory_ids = vec!["INTEL-SA-00002".into(), "INTEL-SA-00001".into()];
    let e = eval(&i, &t, &q);
    assert_eq!(e.status, TcbStatus::OutOfDateConfigurationNeeded);
    assert_eq!(e.advisory_ids, ["INTEL-SA-00002", "INTEL-SA-00001"]);
    // Any QE level status other than UpToDate/Revoked counts as OutOfDate.
    q.tcb_levels[1].tcb_status = TcbStatus::SWHardeningNeeded;
    t.tcb_levels[0].tcb_status = TcbStatus::UpToDate;
    let e = eval(&i, &t, &q);
    assert_eq!((e.qe_status, e.status), (TcbStatus::SWHardeningNeeded, TcbStatus::OutOfDate));
}

#[test]
fn qe_revoked_and_missing_levels() {
    let (mut i, t, mut q) = base();
    q.tcb_levels.push(module_level(2, TcbStatus::Revoked, &[]));
    i.qe_isv_svn = 2;
    assert_eq!(eval(&i, &t, &q).status, TcbStatus::Revoked);
    i.qe_isv_svn = 1;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e, TcbError::NoMatchingQeLevel { isvsvn: 1 });
    assert_eq!(e.code(), FindingCode::QeLevelNotSupported);
    // The platform's own failure is reported first, as in QVL.
    i.pck_sgx_components = [0; 16];
    assert_eq!(code(&i, &t, &q), FindingCode::TcbLevelNotSupported);
}

#[test]
fn fmspc_and_pce_id_mismatch() {
    let (mut i, t, q) = base();
    i.pck_fmspc[5] = 1;
    let e = evaluate_tcb(&i, &t, &q).unwrap_err();
    assert_eq!(e.code(), FindingCode::TcbInfoFmspcMismatch);
    assert_eq!(
        e.to_string(),
        "the TCB Info is for FMSPC b0c06f000000, but the PCK certificate's FMSPC is b0c06f000001"
    );
    let (mut i, t, q) = base();
    i.pck_pce_id = [0, 1];
    assert_eq!(evaluate_tcb(&i, &t, &q).unwrap_err(), TcbError::PceIdMismatch { expected: [0, 0], found: [0, 1] });
}

#[test]
fn platform_levels_are_matched_in_qvl_order_not_document_order() {
    let (i, mut t, q) = base();
    let before = eval(&i, &t, &q);
    t.tcb_levels.reverse();
    assert_eq!(eval(&i, &t, &q), before);
    // PCESVN below the newest level: the next level (PCESVN 5, OutOfDate) matches.
    let (mut i, t, q) = base();
    i.pck_pcesvn = 10;
    let e = eval(&i, &t, &q);
    assert_eq!(e.status, TcbStatus::OutOfDate);
    assert_eq!(e.advisory_ids.len(), 14);
    assert_eq!(e.tcb_date, "2018-01-04T00:00:00Z");
    // The late microcode SVN below every level: the SGX half matched, the TDX half did not.
    let (mut i, t, q) = base();
    i.tee_tcb_svn[2] = 1;
    assert_no_level(evaluate_tcb(&i, &t, &q), PlatformStage::Tdx);
}

#[test]
fn inconsistent_inputs_and_other_tcb_info_kinds() {
    let (mut i, t, q) = base();
    i.td15 = true;
    assert_eq!(code(&i, &t, &q), FindingCode::TcbInputsInconsistent);
    let (mut i, t, q) = base();
    i.quote_version = 3;
    assert_eq!(code(&i, &t, &q), FindingCode::TcbInputsInconsistent);
    let (i, mut t, q) = base();
    t.id = "SGX".into();
    assert_eq!(code(&i, &t, &q), FindingCode::TcbInfoUnsupported);
}

#[test]
fn error_codes_are_distinct_kebab_case() {
    let errors = [
        TcbError::InputsInconsistent { what: String::new() },
        TcbError::TcbInfoUnsupported { id: String::new(), version: 0 },
        TcbError::FmspcMismatch { expected: [0; 6], found: [0; 6] },
        TcbError::PceIdMismatch { expected: [0; 2], found: [0; 2] },
        TcbError::ModuleIdentityMissing { id: String::new() },
        TcbError::ModuleSignerMismatch { identity: String::new(), expected: [0; 48], found: [0; 48] },
        TcbError::ModuleAttributesMismatch { identity: String::new(), expected: [0; 8], mask: [0; 8], found: [0; 8] },
        TcbError::NoMatchingPlatformLevel {
            stage: PlatformStage::Sgx,
            pck_sgx_components: [0; 16],
            pck_pcesvn: 0,
            tee_tcb_svn: [0; 16],
        },
        TcbError::NoMatchingModuleLevel { identity: String::new(), isvsvn: 0 },
        TcbError::UnexpectedStatus { level: String::new(), status: TcbStatus::UpToDate },
        TcbError::QeIdentityMismatch { field: "id", expected: String::new(), found: String::new() },
        TcbError::NoMatchingQeLevel { isvsvn: 0 },
    ];
    let mut codes: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
    assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')));
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
}
