#!/usr/bin/env python3
"""Write fixtures/expected.json, the answer key of the real fixtures, from the fixture bytes.

This is an oracle: it reads the fixture files with the Python standard library only and never
runs dstack-audit, so a bug in the Rust parser cannot hide in its own answer key. Hand-written
fields (`note`, `kind`, `files`, prose inside computed values: `text`) and any value this
script does not compute (`carried`) come from fixtures/expected-notes.json. Layouts: Intel's TDX
DCAP Quote Generation/Verification Library API (quote v4/v5, TD report 1.0/1.5) and, in github.com/Dstack-TEE/dstack, `dstack/cc-eventlog/src/tdx.rs`
and `runtime_events.rs` (event log, runtime-event digest), `dstack/dstack-attest/src/attestation.rs`
(SCALE V0, mr_aggregated) and `dstack/ra-tls/src/oids.rs` (RA-TLS OIDs); fixtures/SOURCES.md restates
them.

    python3 scripts/expected.py          # rewrite fixtures/expected.json
    python3 scripts/expected.py --check  # exit 1 naming every entry and field that differ
"""
import base64
import hashlib
import json
import re
import struct
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOTES = FIXTURES / "expected-notes.json"
OUT = FIXTURES / "expected.json"

RUNTIME_EVENT = 0x08000001  # dstack runtime event type: its digest is recomputed, never trusted
ZERO48 = bytes(48)

# Output key order: one order for every entry; each entry has only the keys it computes or carries.
KEY_ORDER = """mr_td rtmr0 rtmr1 rtmr2 rtmr3 replay_matches compose_hash_measured compose_hash_computed
app_id os_image_hash_measured key_provider instance_id report_data note kind files
rtmr3_replay_matches replay_per_rtmr replayed_rtmrs events_per_imr compose_hash_match
app_id_is_compose_prefix mr_config_id td_attributes xfam tee_tcb_svn mr_seam quote_info
runtime_event_names runtime_event_payloads compose_hash_computed_compact_reserialized
report_data_field_matches_quote rootfs_hash_measured vm_config_os_image_hash scale_v0
vm_config_os_image_hash_matches_measured tcb_info_vs_quote tcb_info_rootfs_hash tcb_info_compose_hash
tcb_info_os_image_hash tcb_info_device_id mpc_image_digest_event tcb_info_mr_aggregated
mpc_image_digest_txt mr_aggregated_recomputed_matches derived_files_consistent ra_tls
near_report_data_v1_matches device_id_is_sha256_user_data""".split()

# TD report body offsets (TDX DCAP Quote Library API, "TD Report Body", identical for the first 584
# bytes of TD 1.0 and TD 1.5 bodies): name -> (offset, length).
BODY = {
    "tee_tcb_svn": (0, 16), "mr_seam": (16, 48), "td_attributes": (120, 8), "xfam": (128, 8),
    "mr_td": (136, 48), "mr_config_id": (184, 48), "mr_owner": (232, 48),
    "mr_owner_config": (280, 48), "rtmr0": (328, 48), "rtmr1": (376, 48), "rtmr2": (424, 48),
    "rtmr3": (472, 48), "report_data": (520, 64),
}


def read(rel):
    """The bytes of a fixture file, by its path relative to fixtures/."""
    return (FIXTURES / rel).read_bytes()


def quote_layout(q, with_body_size):
    """Header and body of a quote. Quote header: u16 version @0, u32 tee_type @4, 20-byte user_data
    @28; v4 body (584 bytes) @48; v5: u16 body type @48, u32 body size @50, body @54; then the u32
    signature-data length and the signature data. Returns (quote_info, body or None)."""
    version, tee = struct.unpack_from("<H", q, 0)[0], struct.unpack_from("<I", q, 4)[0]
    info = {"version": version, "tee_type": hex(tee), "body_type": None}
    if tee != 0x81:
        info.update(body_size=None, len=len(q), signed_len=None, sig_data_len=None,
                    trailing=None, trailing_all_zero=None)
        return info, None
    if version == 5:
        info["body_type"] = struct.unpack_from("<H", q, 48)[0]
        body_size, start = struct.unpack_from("<I", q, 50)[0], 54
    else:
        body_size, start = 584, 48
    if with_body_size:
        info["body_size"] = body_size
    signed = start + body_size
    sig_len = struct.unpack_from("<I", q, signed)[0]
    rest = q[signed + 4 + sig_len:]
    info.update(len=len(q), signed_len=signed, sig_data_len=sig_len, trailing=len(rest),
                trailing_all_zero=not any(rest))
    return info, q[start:start + body_size]


def td_fields(body):
    """Every TD report field of BODY as bytes."""
    return {k: body[o:o + n] for k, (o, n) in BODY.items()}


def event(imr, event_type, digest, name, payload):
    """One event-log entry with bytes for digest and payload."""
    return {"imr": imr, "event_type": event_type, "digest": digest, "event": name, "payload": payload}


def events_from_json(entries):
    """Event-log entries of the JSON form (hex digest and event_payload)."""
    return [event(e["imr"], e["event_type"], bytes.fromhex(e.get("digest") or ""), e.get("event", ""),
                  bytes.fromhex(e.get("event_payload") or "")) for e in entries]


def runtime_digest(name, payload):
    """dstack runtime-event digest: SHA384(u32_le(0x08000001) || ":" || name || ":" || payload)."""
    return hashlib.sha384(struct.pack("<I", RUNTIME_EVENT) + b":" + name.encode() + b":" + payload).digest()


def replay(events):
    """RTMR0..3 replayed from 48 zero bytes: rtmr[i] = SHA384(rtmr[i] || digest) per event on IMR i;
    runtime events use the recomputed digest, every other event its supplied one."""
    rtmr = [ZERO48] * 4
    for e in events:
        d = runtime_digest(e["event"], e["payload"]) if e["event_type"] == RUNTIME_EVENT else e["digest"]
        rtmr[e["imr"]] = hashlib.sha384(rtmr[e["imr"]] + d).digest()
    return rtmr


def per_imr(events):
    """How many event-log entries each IMR has."""
    return {str(i): sum(1 for e in events if e["imr"] == i) for i in range(4)}


def runtime_payloads(events):
    """Runtime events (type 0x08000001) in log order: name -> payload bytes (names are unique in
    every fixture; a repeated name stops the script rather than hiding one of the payloads)."""
    names = [e["event"] for e in events if e["event_type"] == RUNTIME_EVENT]
    if len(set(names)) != len(names):
        raise SystemExit(f"runtime event named twice in {names}: the answer key cannot show both")
    return {e["event"]: e["payload"] for e in events if e["event_type"] == RUNTIME_EVENT}


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def hexs(b):
    return None if b is None else b.hex()


def dstack_fields(measured, events, compose_bytes):
    """Fields every dstack capture has: the measurements (bytes by name), the replay against them,
    the runtime events and the compose hash (SHA-256 of the exact app-compose bytes)."""
    rtmrs = replay(events)
    per = {f"rtmr{i}": rtmrs[i] == measured[f"rtmr{i}"] for i in range(4)}
    rt = runtime_payloads(events)
    measured_compose = hexs(rt.get("compose-hash"))
    computed = None if compose_bytes is None else sha256(compose_bytes)
    app_id = hexs(rt.get("app-id"))
    kp = rt.get("key-provider")
    out = {k: measured[k].hex() for k in ("mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3")}
    out.update(
        replay_matches=all(per.values()), compose_hash_measured=measured_compose,
        compose_hash_computed=computed, app_id=app_id, os_image_hash_measured=hexs(rt.get("os-image-hash")),
        key_provider=None if kp is None else json.loads(kp), instance_id=hexs(rt.get("instance-id")),
        report_data=hexs(measured.get("report_data")), rtmr3_replay_matches=per["rtmr3"],
        replay_per_rtmr=per, events_per_imr=per_imr(events),
        compose_hash_match=None if computed is None else computed == measured_compose,
        app_id_is_compose_prefix=app_id is not None and measured_compose is not None
        and measured_compose.startswith(app_id),
        runtime_event_names=list(rt), runtime_event_payloads={k: v.hex() for k, v in rt.items()})
    if not all(per.values()):
        out["replayed_rtmrs"] = {f"rtmr{i}": rtmrs[i].hex() for i in range(4)}
    if "rootfs-hash" in rt:
        out["rootfs_hash_measured"] = rt["rootfs-hash"].hex()
    return out


def quote_capture(q, events, compose_bytes):
    """dstack_fields for a quote, plus the quote's own fields (mr_config_id, td_attributes, xfam)."""
    info, body = quote_layout(q, with_body_size=False)
    td = td_fields(body)
    out = dstack_fields(td, events, compose_bytes)
    out.update({k: td[k].hex() for k in ("mr_config_id", "td_attributes", "xfam")}, quote_info=info)
    return out, td


def vm_config_fields(vm_config, out, with_match=True):
    """vm_config.os_image_hash (a host claim) and whether it equals the measured os-image-hash event
    (the SCALE entries state only the claim: with_match=False)."""
    cfg = json.loads(vm_config)
    if "vm_config" in cfg:  # a sys-config wraps the vm_config as a string
        cfg = json.loads(cfg["vm_config"])
    out["vm_config_os_image_hash"] = cfg.get("os_image_hash")
    if with_match and out["os_image_hash_measured"] is not None:
        out["vm_config_os_image_hash_matches_measured"] = cfg.get("os_image_hash") == out["os_image_hash_measured"]


def tcb_info_fields(tcb, q, td, out):
    """An Info tcb_info object next to a quote: its claims, whether they equal the quote, and the
    mr_aggregated / device_id relations (mr_aggregated = SHA-256(mrtd || rtmr0..3), followed by
    mrconfigid || mrowner || mrownerconfig when any of those is non-zero; device_id = SHA-256 of the
    20-byte quote-header user_data @28)."""
    out["tcb_info_vs_quote"] = {"mrtd": tcb["mrtd"] == td["mr_td"].hex(),
                                **{f"rtmr{i}": tcb[f"rtmr{i}"] == td[f"rtmr{i}"].hex() for i in range(4)}}
    for k in ("rootfs_hash", "compose_hash", "os_image_hash", "device_id", "mr_aggregated"):
        if k in tcb:
            out[f"tcb_info_{k}"] = tcb[k]
    if "mr_aggregated" in tcb:
        parts = ["mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3"]
        config = ["mr_config_id", "mr_owner", "mr_owner_config"]
        parts += config if any(any(td[c]) for c in config) else []
        out["mr_aggregated_recomputed_matches"] = sha256(b"".join(td[p] for p in parts)) == tcb["mr_aggregated"]
    if tcb.get("device_id") not in (None, sha256(b"")):  # SHA-256("") means the CVM has no device id
        out["device_id_is_sha256_user_data"] = sha256(q[28:48]) == tcb["device_id"]


def tappd(files):
    """Legacy Tappd TdxQuote response {quote hex, event_log JSON string} + app-compose file."""
    doc = json.loads(read(files[0]))
    return quote_capture(bytes.fromhex(doc["quote"]), events_from_json(json.loads(doc["event_log"])),
                         read(files[1]))[0]


def get_quote(files):
    """GetQuote response {quote hex, event_log JSON string, report_data hex, vm_config JSON string}."""
    doc = json.loads(read(files[0]))
    out, td = quote_capture(bytes.fromhex(doc["quote"]), events_from_json(json.loads(doc["event_log"])), None)
    out["report_data_field_matches_quote"] = bytes.fromhex(doc["report_data"]) == td["report_data"]
    vm_config_fields(doc["vm_config"], out)
    return out


def split_event_log(files):
    """Raw quote hex + JSON event-log array + app-compose file; also the hash of the app-compose
    re-written compactly (separators , and :, key order kept), to show what the CVM hashed."""
    compose = read(files[2])
    out = quote_capture(bytes.fromhex(read(files[0]).decode().strip()),
                        events_from_json(json.loads(read(files[1]))), compose)[0]
    compact = json.dumps(json.loads(compose), separators=(",", ":"), ensure_ascii=False)
    out["compose_hash_computed_compact_reserialized"] = sha256(compact.encode())
    return out


class Scale:
    """A reader of SCALE: compact lengths (low two bits 00 = 1 byte, 01 = 2, 10 = 4; value >> 2)."""

    def __init__(self, b):
        self.b, self.at = b, 0

    def take(self, n):
        out = self.b[self.at:self.at + n]
        if len(out) != n:
            raise ValueError(f"SCALE input ends at byte {self.at}, wanted {n} more")
        self.at += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def compact(self):
        mode = self.b[self.at] & 3
        size = {0: 1, 1: 2, 2: 4}.get(mode)
        if size is None:
            raise ValueError(f"SCALE big compact integer at byte {self.at}")
        return int.from_bytes(self.take(size), "little") >> 2

    def vec(self):
        return self.take(self.compact())

    def string(self):
        return self.vec().decode()


def scale_v0(raw):
    """VersionedAttestation V0 (SCALE; fixtures/SOURCES.md "Format note"): u8 version, u8 variant,
    Vec<u8> quote, Vec<{u32 imr, u32 event_type, Vec<u8> digest, String event, Vec<u8> payload}>,
    Vec<{String event, Vec<u8> payload}> runtime_events, [u8; 64] report_data, String config."""
    r = Scale(raw)
    version, variant, quote = r.u8(), r.u8(), r.vec()
    events = [event(r.u32(), r.u32(), r.vec(), r.string(), r.vec()) for _ in range(r.compact())]
    runtime = [event(3, RUNTIME_EVENT, b"", r.string(), r.vec()) for _ in range(r.compact())]
    report_data, config = r.take(64), r.string()
    return dict(version=version, variant=variant, quote=quote, events=events, runtime=runtime,
                report_data=report_data, config=config, consumed=r.at, total=len(raw))


def scale(files):
    """SCALE VersionedAttestation V0, raw (.bin) or as {"attestation": hex}, + optional app-compose."""
    raw = read(files[0])
    if files[0].endswith(".json"):
        raw = bytes.fromhex(json.loads(raw)["attestation"])
    a = scale_v0(raw)
    out, td = quote_capture(a["quote"], a["events"], read(files[1]) if len(files) > 1 else None)
    out["report_data_field_matches_quote"] = a["report_data"] == td["report_data"]
    vm_config_fields(a["config"], out, with_match=False)
    log_rtmrs, rt3 = replay(a["events"]), replay(a["runtime"])[3]
    out["scale_v0"] = {
        "version": a["version"], "quote_variant": a["variant"], "quote_len": len(a["quote"]),
        "event_log_len": len(a["events"]), "event_log_per_imr": per_imr(a["events"]),
        "event_log_replay_per_rtmr": {f"rtmr{i}": log_rtmrs[i] == td[f"rtmr{i}"] for i in range(4)},
        "runtime_events_len": len(a["runtime"]), "runtime_events_rtmr3": rt3.hex(),
        "runtime_events_replay_matches_rtmr3": rt3 == td["rtmr3"], "report_data": a["report_data"].hex(),
        "report_data_matches_quote": a["report_data"] == td["report_data"],
        "bytes_consumed": a["consumed"], "bytes_total": a["total"], "config": a["config"]}
    return out


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def ed25519_key(text):
    """The 32 key bytes of a NEAR "ed25519:<base58>" public key."""
    n = 0
    for c in text.split(":", 1)[1]:
        n = n * 58 + B58.index(c)
    return n.to_bytes(32, "big")


def near(files):
    """NEAR MPC /public_data: tee_participant_info.Dstack {quote: byte array, collateral, tcb_info}
    and the node keys; report_data v1 = 0x0001 || SHA3-384(p2p key || signer key) || zeros; the
    sibling files quote.json, tcb_info.json, app_compose.json, collateral.json, mpc_image_digest.txt."""
    doc = json.loads(read(files[0]))
    dstack = doc["tee_participant_info"]["Dstack"]
    q, tcb = bytes(dstack["quote"]), dstack["tcb_info"]
    out, td = quote_capture(q, events_from_json(tcb["event_log"]), tcb["app_compose"].encode())
    tcb_info_fields(tcb, q, td, out)
    folder = files[0].rsplit("/", 1)[0]
    out["mpc_image_digest_event"] = out["runtime_event_payloads"].get("mpc-image-digest")
    out["mpc_image_digest_txt"] = read(f"{folder}/mpc_image_digest.txt").decode().strip()
    out["derived_files_consistent"] = {
        "quote.json": json.loads(read(f"{folder}/quote.json")) == dstack["quote"],
        "tcb_info.json": json.loads(read(f"{folder}/tcb_info.json")) == tcb,
        "app_compose.json_sha256": sha256(read(f"{folder}/app_compose.json")),
        "collateral.json": json.loads(read(f"{folder}/collateral.json")) == dstack["collateral"]}
    keys = ed25519_key(doc["near_p2p_public_key"]) + ed25519_key(doc["near_signer_public_key"])
    v1 = b"\x00\x01" + hashlib.sha3_384(keys).digest()
    out["near_report_data_v1_matches"] = td["report_data"] == v1 + bytes(64 - len(v1))
    return out


def tcb_info_only(files):
    """A bare Info tcb_info object (no quote): its claimed mrtd/rtmr* replayed against its log."""
    tcb = json.loads(read(files[0]))
    claimed = {"mr_td": bytes.fromhex(tcb["mrtd"]), **{f"rtmr{i}": bytes.fromhex(tcb[f"rtmr{i}"]) for i in range(4)}}
    out = dstack_fields(claimed, events_from_json(tcb["event_log"]), tcb["app_compose"].encode())
    for k in ("compose_hash", "os_image_hash", "device_id"):
        out[f"tcb_info_{k}"] = tcb[k]
    return out


def split_tcb_info(files):
    """Raw quote hex + Info tcb_info object (event_log array, app_compose string)."""
    q, tcb = bytes.fromhex(read(files[0]).decode().strip()), json.loads(read(files[1]))
    out, td = quote_capture(q, events_from_json(tcb["event_log"]), tcb["app_compose"].encode())
    tcb_info_fields(tcb, q, td, out)
    return out


def der(b, at):
    """One DER element at AT: (tag, header bytes, content start, end). X.690 definite lengths."""
    tag, first = b[at], b[at + 1]
    if first < 0x80:
        return tag, b[at:at + 2], at + 2, at + 2 + first
    n = first & 0x7F
    length = int.from_bytes(b[at + 2:at + 2 + n], "big")
    return tag, b[at:at + 2 + n], at + 2 + n, at + 2 + n + length


def children(b, start, end):
    """The DER elements inside a constructed element's content, as (tag, header, start, end)."""
    out = []
    while start < end:
        out.append(der(b, start))
        start = out[-1][3]
    return out


def oid(b):
    """Dotted text of DER OBJECT IDENTIFIER content (X.690 8.19: base-128 arcs, first = 40*x + y)."""
    arcs, n = [], 0
    for byte in b:
        n = n * 128 + (byte & 0x7F)
        if byte < 0x80:
            arcs.append(n)
            n = 0
    return ".".join(map(str, [min(arcs[0] // 40, 2), arcs[0] - 40 * min(arcs[0] // 40, 2)] + arcs[1:]))


def dn(b, name):
    """An X.509 Name as RFC 4514 text: its RDNs last first, e.g. CN=…,O=… for O then CN."""
    short = {"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C"}
    parts = []
    for rdn in children(b, name[2], name[3]):
        for atv in children(b, rdn[2], rdn[3]):
            t, v = children(b, atv[2], atv[3])
            parts.append(f"{short.get(oid(b[t[2]:t[3]]), oid(b[t[2]:t[3]]))}={b[v[2]:v[3]].decode()}")
    return ",".join(reversed(parts))


def certificates(pem):
    """DER certificates of a PEM chain, in file order."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
    return [base64.b64decode("".join(blk.split())) for blk in blocks]


def tbs(cert):
    """(issuer, subject, spki, extensions or None) elements of a certificate's tbsCertificate
    (RFC 5280 4.1: [0] version, serial, signature, issuer, validity, subject, spki, …, [3] exts)."""
    tbs_ = der(cert, der(cert, 0)[2])
    fields = children(cert, tbs_[2], tbs_[3])
    fields = fields[1:] if fields[0][0] == 0xA0 else fields
    exts = next((f for f in fields if f[0] == 0xA3), None)
    return fields[2], fields[4], fields[5], exts


# dstack RA-TLS extensions (dstack/ra-tls/src/oids.rs): how each value is shown in the answer key.
RA_TLS_OIDS = {"1.3.6.1.4.1.62397.1.1": "quote", "1.3.6.1.4.1.62397.1.2": "event_log",
               "1.3.6.1.4.1.62397.1.3": "hex", "1.3.6.1.4.1.62397.1.4": "ascii"}


def ra_tls(pem, q, events_json, quote_file, text):
    """The RA-TLS chain of a guest-agent Info response: subjects, the dstack extensions of the leaf
    (extnValue wraps a DER OCTET STRING holding the value), and whether the quote's report_data is
    SHA-512("ratls-cert:" || DER SubjectPublicKeyInfo of the leaf)."""
    certs = certificates(pem)
    chain = []
    for c in certs:
        issuer, subject, _, _ = tbs(c)
        same = c[issuer[2]:issuer[3]] == c[subject[2]:subject[3]]
        chain.append(dn(c, subject) + (" (self-signed)" if same else ""))
    leaf = certs[0]
    _, subject, spki, exts = tbs(leaf)
    extensions = {}
    for ext in children(leaf, *der(leaf, exts[2])[2:4]):
        parts = children(leaf, ext[2], ext[3])
        name = oid(leaf[parts[0][2]:parts[0][3]])
        if name not in RA_TLS_OIDS:
            continue
        wrapped = parts[-1]
        tag, header, start, end = der(leaf, wrapped[2])
        value = leaf[start:end]
        shown = {"what": text["extensions"][name], "inner_tag": f"{tag:02x}", "inner_header": header.hex(),
                 "inner_len": len(value)}
        how = RA_TLS_OIDS[name]
        if how == "quote":
            shown["equals"] = quote_file.rsplit("/", 1)[1] if value == q else None
        elif how == "event_log":
            same = json.loads(value) == events_json
            shown["equals"] = f"tcb_info.event_log ({len(events_json)} entries)" if same else None
        elif how == "hex":
            shown["value_hex"] = value.hex()
        else:
            shown["value_ascii"] = value.decode()
        extensions[name] = shown
    spki_der = leaf[spki[2] - len(spki[1]):spki[3]]  # the whole element, header included
    report_data = td_fields(quote_layout(q, False)[1])["report_data"]
    return {"leaf_subject": dn(leaf, subject), "chain": chain, "extn_value_encoding": text["extn_value_encoding"],
            "extensions": {k: extensions[k] for k in RA_TLS_OIDS if k in extensions}, "leaf_spki_der_hex": spki_der.hex(),
            "report_data_is_sha512_ratls_cert_spki": hashlib.sha512(b"ratls-cert:" + spki_der).digest() == report_data}


def info(files, text):
    """guest-agent Info response (tcb_info and vm_config as JSON strings) + raw binary quote."""
    doc, q = json.loads(read(files[0])), read(files[1])
    tcb = json.loads(doc["tcb_info"])
    out, td = quote_capture(q, events_from_json(tcb["event_log"]), tcb["app_compose"].encode())
    vm_config_fields(doc["vm_config"], out)
    tcb_info_fields(tcb, q, td, out)
    out["ra_tls"] = ra_tls(doc["app_cert"], q, tcb["event_log"], files[1], text["ra_tls"])
    return out


def raw_quote(files):
    """A bare quote: the TD report fields only (nothing dstack-specific to replay)."""
    q = read(files[0])
    info_, body = quote_layout(q, with_body_size=True)
    out = dict.fromkeys(("mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "replay_matches", "compose_hash_measured",
                         "compose_hash_computed", "app_id", "os_image_hash_measured", "key_provider",
                         "instance_id", "report_data"))
    if body is not None:
        td = td_fields(body)
        for k in ("mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "report_data", "mr_config_id", "td_attributes",
                  "xfam", "tee_tcb_svn", "mr_seam"):
            out[k] = td[k].hex()
    out["quote_info"] = info_
    return out


SHAPES = {"tappd": tappd, "get_quote": get_quote, "split_event_log": split_event_log, "scale": scale,
          "near": near, "tcb_info": tcb_info_only, "split_tcb_info": split_tcb_info, "info": info,
          "raw_quote": raw_quote}


def build():
    """The whole answer key: per entry of the notes file, computed fields merged with carried ones."""
    notes = json.loads(NOTES.read_text())
    key = {}
    for name, n in notes.items():
        shape = SHAPES[n["shape"]]
        computed = shape(n["files"], n["text"]) if "text" in n else shape(n["files"])
        carried = {"note": n["note"], "kind": n["kind"], "files": n["files"], **n.get("carried", {})}
        both = set(computed) & set(carried)
        if both:
            raise SystemExit(f"{name}: fields both computed and carried: {sorted(both)}")
        merged = {**computed, **carried}
        unknown = set(merged) - set(KEY_ORDER)
        if unknown:
            raise SystemExit(f"{name}: fields missing from KEY_ORDER: {sorted(unknown)}")
        key[name] = {k: merged[k] for k in KEY_ORDER if k in merged}
    return key


def diff(old, new, path=""):
    """Paths (entry/field/…) where two JSON values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        fields = [d for k in {**old, **new} for d in diff(old.get(k, "<absent>"), new.get(k, "<absent>"), f"{path}/{k}")]
        same_keys = set(old) == set(new)
        return fields or ([] if not same_keys or list(old) == list(new) else [f"{path.lstrip('/')}: key order {list(old)} != {list(new)}"])
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in diff(a, b, f"{path}/{i}")]
    return [] if old == new and type(old) is type(new) else [f"{path.lstrip('/')}: file {json.dumps(old)[:80]}, computed {json.dumps(new)[:80]}"]


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["--check"]:
        current = OUT.read_text()
        if current != text:
            for d in diff(json.loads(current), json.loads(text)) or ["formatting or key order differs"]:
                print(f"fixtures/expected.json: {d}", file=sys.stderr)
            print("run `python3 scripts/expected.py` to rewrite it", file=sys.stderr)
            sys.exit(1)
    elif sys.argv[1:]:
        sys.exit("usage: scripts/expected.py [--check]")
    else:
        OUT.write_text(text)


if __name__ == "__main__":
    main()
