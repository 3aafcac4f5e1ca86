//! TDX DCAP quote layout, v4 and v5: parsing only, no signature checks.
//!
//! Field names and offsets follow Intel's `sgx_quote_4.h` / `sgx_quote_5.h` (DCAP
//! QuoteGeneration) and the TDX module ABI (`TDREPORT` 1.0 / 1.5). All integers are
//! little-endian. The parser keeps the raw bytes so that the DCAP layer can verify the
//! signature over exactly `signed_bytes()`. Trailing bytes after the signature data (driver
//! buffer padding) are tolerated and counted.

use crate::bytes::Reader;
use crate::error::ParseError;
use crate::limits::MAX_QUOTE_BYTES;

/// `tee_type` of a TDX quote (SGX is 0).
pub const TEE_TYPE_TDX: u32 = 0x0000_0081;
/// Attestation key type 2: ECDSA-256 with P-256.
pub const ATT_KEY_TYPE_ECDSA_P256: u16 = 2;
pub const HEADER_LEN: usize = 48;
pub const TD_REPORT10_LEN: usize = 584;
pub const TD_REPORT15_LEN: usize = 648;
pub const TD_REPORT15_EX_LEN: usize = 885;
pub const QE_REPORT_LEN: usize = 384;

pub type Mr = [u8; 48];

/// The 48-byte quote header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub att_key_type: u16,
    pub tee_type: u32,
    pub reserved: [u8; 4],
    pub qe_vendor_id: [u8; 16],
    pub user_data: [u8; 20],
}

/// Which TD report structure the body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// TD report 1.0 (v4 quotes; v5 body type 2), 584 bytes.
    TdReport10,
    /// TD report 1.5 (v5 body type 3), 648 bytes.
    TdReport15,
    /// TD report 1.5 "ex" (v5 body type 4), 885 bytes.
    TdReport15Ex,
}

impl BodyType {
    pub fn body_len(self) -> usize {
        match self {
            BodyType::TdReport10 => TD_REPORT10_LEN,
            BodyType::TdReport15 => TD_REPORT15_LEN,
            BodyType::TdReport15Ex => TD_REPORT15_EX_LEN,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BodyType::TdReport10 => "TD report 1.0",
            BodyType::TdReport15 => "TD report 1.5",
            BodyType::TdReport15Ex => "TD report 1.5-ex",
        }
    }
}

/// TD report 1.0 fields (the whole v4 body; the first 584 bytes of every TD body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdReport {
    pub tee_tcb_svn: [u8; 16],
    pub mr_seam: Mr,
    pub mr_signer_seam: Mr,
    pub seam_attributes: [u8; 8],
    pub td_attributes: [u8; 8],
    pub xfam: [u8; 8],
    pub mr_td: Mr,
    pub mr_config_id: Mr,
    pub mr_owner: Mr,
    pub mr_owner_config: Mr,
    pub rtmr0: Mr,
    pub rtmr1: Mr,
    pub rtmr2: Mr,
    pub rtmr3: Mr,
    pub report_data: [u8; 64],
    /// TD report 1.5 additions.
    pub td15: Option<TdReport15Ext>,
    /// TD report 1.5-ex additions.
    pub td15_ex: Option<TdReport15ExExt>,
}

impl TdReport {
    pub fn rtmrs(&self) -> [&Mr; 4] {
        [&self.rtmr0, &self.rtmr1, &self.rtmr2, &self.rtmr3]
    }

    /// `td_attributes` as the 64-bit little-endian value Intel defines.
    pub fn td_attributes_u64(&self) -> u64 {
        u64::from_le_bytes(self.td_attributes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdReport15Ext {
    pub tee_tcb_svn2: [u8; 16],
    pub mr_servicetd: Mr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdReport15ExExt {
    pub vmid: u8,
    pub td_id: [u8; 32],
    pub dev_info: Mr,
    pub init_service_td_hash: Mr,
    pub init_service_td_attributes: [u8; 8],
    pub init_cpu_svn: [u8; 16],
    pub init_tee_tcb_svn: [u8; 16],
    pub init_tee_fmspc: [u8; 12],
    pub cur_service_td_hash: Mr,
    pub cur_service_td_attributes: [u8; 8],
}

/// The QE report (an SGX report body) inside the certification data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QeReport {
    pub raw: [u8; QE_REPORT_LEN],
    pub cpu_svn: [u8; 16],
    pub misc_select: u32,
    pub attributes: [u8; 16],
    pub mr_enclave: [u8; 32],
    pub mr_signer: [u8; 32],
    pub isv_prod_id: u16,
    pub isv_svn: u16,
    pub report_data: [u8; 64],
}

/// The ECDSA signature data that follows the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureData {
    pub quote_signature: [u8; 64],
    pub attestation_key: [u8; 64],
    /// Outer certification data type (6 = QE report certification data).
    pub cert_data_type: u16,
    pub qe_report: QeReport,
    pub qe_report_signature: [u8; 64],
    pub qe_auth_data: Vec<u8>,
    /// Inner certification data type (5 = PCK certificate chain, PEM).
    pub pck_cert_data_type: u16,
    pub pck_cert_data: Vec<u8>,
}

/// A parsed TDX quote. Nothing in it is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub header: Header,
    pub body_type: BodyType,
    pub body: TdReport,
    pub signature: SignatureData,
    /// Bytes after the signature data (driver padding), ignored.
    pub trailing_bytes: usize,
    raw: Vec<u8>,
    signed_len: usize,
}

impl Quote {
    /// The bytes the attestation key signs: header and body (v5: with the body descriptor).
    pub fn signed_bytes(&self) -> &[u8] {
        self.raw.get(..self.signed_len).unwrap_or(&[])
    }

    /// The quote bytes as given, including any trailing padding.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

/// Parses a TDX quote (v4, or v5 with a TD report body). SGX quotes are rejected.
pub fn parse_quote(bytes: &[u8]) -> Result<Quote, ParseError> {
    if bytes.len() > MAX_QUOTE_BYTES {
        return Err(ParseError::offset(
            0,
            format!("a quote of at most {MAX_QUOTE_BYTES} bytes (MAX_QUOTE_BYTES)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    let mut r = Reader::new(bytes);
    let header = parse_header(&mut r)?;
    let body_type = match header.version {
        4 => BodyType::TdReport10,
        5 => parse_v5_descriptor(&mut r)?,
        v => return Err(ParseError::offset(0, "quote version 4 or 5", format!("version {v}"))),
    };
    let body = parse_td_report(&mut r, body_type)?;
    let signed_len = r.position();
    let sig_len_at = r.position();
    let sig_len = r.u32_le_len("sig_data_len")?;
    if sig_len > r.remaining() {
        return Err(ParseError::offset(
            sig_len_at,
            format!("sig_data_len at most the {} bytes that follow", r.remaining()),
            sig_len.to_string(),
        ));
    }
    let sig_start = r.position();
    let sig_bytes = r.take(sig_len, "signature data")?;
    let signature = parse_signature_data(sig_bytes, sig_start)?;
    let trailing_bytes = r.remaining();
    Ok(Quote { header, body_type, body, signature, trailing_bytes, raw: bytes.to_vec(), signed_len })
}

fn parse_header(r: &mut Reader<'_>) -> Result<Header, ParseError> {
    let version = r.u16_le("header.version")?;
    let att_key_type = r.u16_le("header.att_key_type")?;
    let tee_type = r.u32_le("header.tee_type")?;
    if tee_type != TEE_TYPE_TDX {
        let what = if tee_type == 0 { "an SGX quote" } else { "an unknown TEE type" };
        return Err(ParseError::offset(
            4,
            "a TDX quote (tee_type 0x00000081)",
            format!("{what} (tee_type 0x{tee_type:08x})"),
        ));
    }
    Ok(Header {
        version,
        att_key_type,
        tee_type,
        reserved: r.array("header.reserved")?,
        qe_vendor_id: r.array("header.qe_vendor_id")?,
        user_data: r.array("header.user_data")?,
    })
}

fn parse_v5_descriptor(r: &mut Reader<'_>) -> Result<BodyType, ParseError> {
    let at = r.position();
    let body_type = match r.u16_le("body_type")? {
        2 => BodyType::TdReport10,
        3 => BodyType::TdReport15,
        4 => BodyType::TdReport15Ex,
        1 => return Err(ParseError::offset(at, "a TD report body (type 2, 3 or 4)", "an SGX enclave report (type 1)")),
        t => return Err(ParseError::offset(at, "body type 2, 3 or 4", format!("type {t}"))),
    };
    let size_at = r.position();
    let size = r.u32_le_len("body_size")?;
    if size != body_type.body_len() {
        return Err(ParseError::offset(
            size_at,
            format!("body_size {} for {}", body_type.body_len(), body_type.name()),
            size.to_string(),
        ));
    }
    Ok(body_type)
}

fn parse_td_report(r: &mut Reader<'_>, body_type: BodyType) -> Result<TdReport, ParseError> {
    let mut report = TdReport {
        tee_tcb_svn: r.array("tee_tcb_svn")?,
        mr_seam: r.array("mr_seam")?,
        mr_signer_seam: r.array("mr_signer_seam")?,
        seam_attributes: r.array("seam_attributes")?,
        td_attributes: r.array("td_attributes")?,
        xfam: r.array("xfam")?,
        mr_td: r.array("mr_td")?,
        mr_config_id: r.array("mr_config_id")?,
        mr_owner: r.array("mr_owner")?,
        mr_owner_config: r.array("mr_owner_config")?,
        rtmr0: r.array("rtmr0")?,
        rtmr1: r.array("rtmr1")?,
        rtmr2: r.array("rtmr2")?,
        rtmr3: r.array("rtmr3")?,
        report_data: r.array("report_data")?,
        td15: None,
        td15_ex: None,
    };
    if body_type != BodyType::TdReport10 {
        report.td15 =
            Some(TdReport15Ext { tee_tcb_svn2: r.array("tee_tcb_svn2")?, mr_servicetd: r.array("mr_servicetd")? });
    }
    if body_type == BodyType::TdReport15Ex {
        report.td15_ex = Some(TdReport15ExExt {
            vmid: r.u8("vmid")?,
            td_id: r.array("td_id")?,
            dev_info: r.array("dev_info")?,
            init_service_td_hash: r.array("init_service_td_hash")?,
            init_service_td_attributes: r.array("init_service_td_attributes")?,
            init_cpu_svn: r.array("init_cpu_svn")?,
            init_tee_tcb_svn: r.array("init_tee_tcb_svn")?,
            init_tee_fmspc: r.array("init_tee_fmspc")?,
            cur_service_td_hash: r.array("cur_service_td_hash")?,
            cur_service_td_attributes: r.array("cur_service_td_attributes")?,
        });
    }
    Ok(report)
}

/// Parses the signature data; `base` is its offset in the quote, for error messages.
fn parse_signature_data(sig: &[u8], base: usize) -> Result<SignatureData, ParseError> {
    let rebase = |e: ParseError| match e.at {
        crate::error::Location::Offset(o) => {
            ParseError { at: crate::error::Location::Offset(o.saturating_add(base)), ..e }
        }
        _ => e,
    };
    parse_signature_inner(sig).map_err(rebase)
}

fn parse_signature_inner(sig: &[u8]) -> Result<SignatureData, ParseError> {
    let mut r = Reader::new(sig);
    let quote_signature = r.array("quote signature")?;
    let attestation_key = r.array("attestation key")?;
    let type_at = r.position();
    let cert_data_type = r.u16_le("certification data type")?;
    if cert_data_type != 6 {
        return Err(ParseError::offset(
            type_at,
            "certification data type 6 (QE report certification data)",
            format!("type {cert_data_type}"),
        ));
    }
    let size_at = r.position();
    let cert_size = r.u32_le_len("certification data size")?;
    if cert_size > r.remaining() {
        return Err(ParseError::offset(
            size_at,
            format!("certification data size at most the {} bytes that follow", r.remaining()),
            cert_size.to_string(),
        ));
    }
    let cert_start = r.position();
    r.take(cert_size, "certification data")?;
    // Read the certification data with a reader that ends where it ends, keeping offsets
    // relative to the signature data.
    let cert_region = sig.get(..r.position()).unwrap_or(&[]);
    let mut c = Reader::at(cert_region, cert_start);
    let qe_raw: [u8; QE_REPORT_LEN] = c.array("QE report")?;
    let qe_report = parse_qe_report(qe_raw)?;
    let qe_report_signature = c.array("QE report signature")?;
    let auth_len = usize::from(c.u16_le("QE auth data length")?);
    let qe_auth_data = c.take(auth_len, "QE auth data")?.to_vec();
    let pck_cert_data_type = c.u16_le("PCK certification data type")?;
    let inner_size = c.u32_le_len("PCK certification data size")?;
    let pck_cert_data = c.take(inner_size, "PCK certification data")?.to_vec();
    Ok(SignatureData {
        quote_signature,
        attestation_key,
        cert_data_type,
        qe_report,
        qe_report_signature,
        qe_auth_data,
        pck_cert_data_type,
        pck_cert_data,
    })
}

fn parse_qe_report(raw: [u8; QE_REPORT_LEN]) -> Result<QeReport, ParseError> {
    let mut r = Reader::new(&raw);
    let cpu_svn = r.array("QE cpu_svn")?;
    let misc_select = r.u32_le("QE misc_select")?;
    r.take(28, "QE reserved")?;
    let attributes = r.array("QE attributes")?;
    let mr_enclave = r.array("QE mr_enclave")?;
    r.take(32, "QE reserved")?;
    let mr_signer = r.array("QE mr_signer")?;
    r.take(96, "QE reserved and config_id")?;
    let isv_prod_id = r.u16_le("QE isv_prod_id")?;
    let isv_svn = r.u16_le("QE isv_svn")?;
    r.take(60, "QE reserved")?;
    let report_data = r.array("QE report_data")?;
    Ok(QeReport { raw, cpu_svn, misc_select, attributes, mr_enclave, mr_signer, isv_prod_id, isv_svn, report_data })
}

/// Decodes a quote file: printable text is hex (with or without `0x`, whitespace ignored; a bad
/// digit is reported), anything else is the raw binary quote (whose parser says what is wrong).
pub fn decode_quote_bytes(data: &[u8], field: &str) -> Result<Vec<u8>, ParseError> {
    let is_text = !data.is_empty() && data.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if is_text {
        let text = std::str::from_utf8(data).unwrap_or_default();
        if !text.trim().contains(|c: char| c.is_ascii_whitespace()) {
            return crate::bytes::decode_hex(text, field);
        }
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return crate::bytes::decode_hex(&compact, field);
    }
    Ok(data.to_vec())
}

/// True when `data` is non-empty hex text, optionally prefixed by `0x` / `0X` (stops at the
/// first byte that is not, so JSON input is rejected after one byte).
pub fn is_hex_text(data: &[u8]) -> bool {
    let mut it = data.iter().copied().filter(|b| !b.is_ascii_whitespace()).peekable();
    if it.peek() == Some(&b'0') {
        let mut ahead = it.clone();
        ahead.next();
        if matches!(ahead.peek(), Some(b'x' | b'X')) {
            ahead.next();
            it = ahead;
        }
    }
    it.peek().is_some() && it.all(|b| b.is_ascii_hexdigit())
}
