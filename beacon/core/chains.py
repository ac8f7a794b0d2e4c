"""Blockchain networks a support desk deals with, and offline checks of what users type.

Users report deposits and withdrawals by pasting a network, an address, a transaction
hash (TxID) and sometimes a memo / destination tag. Most mistakes are a wrong network or a
mangled paste, so every check here verifies the format *and* the checksum the chain
itself defines (Base58Check, Bech32/Bech32m, EIP-55, CRC16, ...). Nothing here touches the
network: a valid result means "well-formed for this chain", never "exists on chain".

Validators are strict on purpose: they do not trim whitespace or fix case (callers strip
form input first), because silently "repairing" an address is how funds get lost.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

import base58
from Crypto.Hash import keccak

__all__ = [
    "NETWORKS",
    "Network",
    "get_network",
    "is_coin_symbol",
    "network_choices",
    "validate_address",
    "validate_memo",
    "validate_txid",
]


@dataclass(frozen=True)
class Network:
    """A deposit/withdrawal network as exchanges label it (e.g. USDT on "TRC20")."""

    code: str
    name: str
    family: str
    memo_label: str | None
    explorer_tx: str
    explorer_address: str


_MEMO = "Memo"


def _evm(code: str, name: str, explorer: str) -> Network:
    # Etherscan-style explorers share the same URL layout across EVM chains.
    return Network(
        code,
        name,
        "evm",
        None,
        f"{explorer}/tx/{{txid}}",
        f"{explorer}/address/{{address}}",
    )


# Insertion order is the order shown in forms (network_choices), so keep the networks
# users pick most often first.
NETWORKS: dict[str, Network] = {
    network.code: network
    for network in (
        Network(
            "BTC",
            "Bitcoin",
            "bitcoin",
            None,
            "https://mempool.space/tx/{txid}",
            "https://mempool.space/address/{address}",
        ),
        _evm("ERC20", "Ethereum (ERC20)", "https://etherscan.io"),
        Network(
            "TRC20",
            "TRON (TRC20)",
            "tron",
            None,
            "https://tronscan.org/#/transaction/{txid}",
            "https://tronscan.org/#/address/{address}",
        ),
        _evm("BEP20", "BNB Smart Chain (BEP20)", "https://bscscan.com"),
        Network(
            "SOL",
            "Solana",
            "solana",
            None,
            "https://solscan.io/tx/{txid}",
            "https://solscan.io/account/{address}",
        ),
        Network(
            "XRP",
            "XRP Ledger",
            "xrp",
            "Destination tag",
            "https://livenet.xrpl.org/transactions/{txid}",
            "https://livenet.xrpl.org/accounts/{address}",
        ),
        Network(
            "TON",
            "TON",
            "ton",
            _MEMO,
            "https://tonviewer.com/transaction/{txid}",
            "https://tonviewer.com/{address}",
        ),
        Network(
            "LTC",
            "Litecoin",
            "bitcoin",
            None,
            "https://blockchair.com/litecoin/transaction/{txid}",
            "https://blockchair.com/litecoin/address/{address}",
        ),
        Network(
            "DOGE",
            "Dogecoin",
            "bitcoin",
            None,
            "https://blockchair.com/dogecoin/transaction/{txid}",
            "https://blockchair.com/dogecoin/address/{address}",
        ),
        _evm("POLYGON", "Polygon PoS", "https://polygonscan.com"),
        _evm("ARBITRUM", "Arbitrum One", "https://arbiscan.io"),
        _evm("OPTIMISM", "OP Mainnet (Optimism)", "https://optimistic.etherscan.io"),
        _evm("AVAXC", "Avalanche C-Chain", "https://snowtrace.io"),
        Network(
            "XLM",
            "Stellar",
            "stellar",
            _MEMO,
            "https://stellar.expert/explorer/public/tx/{txid}",
            "https://stellar.expert/explorer/public/account/{address}",
        ),
        Network(
            "ATOM",
            "Cosmos Hub",
            "cosmos",
            _MEMO,
            "https://www.mintscan.io/cosmos/tx/{txid}",
            "https://www.mintscan.io/cosmos/address/{address}",
        ),
        Network(
            "EOS",
            "EOS",
            "eos",
            _MEMO,
            "https://bloks.io/transaction/{txid}",
            "https://bloks.io/account/{address}",
        ),
    )
}

# Names users and exchanges actually type for each network. Keys are compared after
# _alias_key(), so "ERC-20", "erc 20" and "Erc20" are all the same key. Bare token tickers
# that name several networks ("BNB" was also the retired Beacon Chain, "AVAX" also the
# X-Chain, "USDT" is everywhere) are deliberately left out: guessing wrong sends users
# looking on the wrong chain.
_ALIASES: dict[str, tuple[str, ...]] = {
    "BTC": ("bitcoin", "xbt", "btc segwit", "bitcoin mainnet"),
    "ERC20": ("eth", "ethereum", "erc-20", "ethereum mainnet", "ether"),
    "TRC20": ("tron", "trx", "trc-20", "tron network"),
    "BEP20": ("bsc", "bnb smart chain", "bep-20", "binance smart chain", "bnb chain"),
    "SOL": ("solana", "spl"),
    "XRP": ("ripple", "xrpl", "xrp ledger"),
    "TON": ("toncoin", "the open network"),
    "LTC": ("litecoin",),
    "DOGE": ("dogecoin",),
    "POLYGON": ("matic", "pol", "polygon pos", "polygon matic"),
    "ARBITRUM": ("arbitrum one", "arb", "arbi", "arbitrum one arb"),
    "OPTIMISM": ("op", "op mainnet", "optimism op"),
    "AVAXC": ("avax c-chain", "avalanche c-chain", "avalanche", "c-chain", "avax-c"),
    "XLM": ("stellar", "stellar lumens", "lumens"),
    "ATOM": ("cosmos", "cosmos hub", "cosmoshub", "gaia"),
    "EOS": ("eosio",),
}


def _alias_key(value: str) -> str:
    # Exchanges write the same network a dozen ways ("BEP-20", "BEP20 (BSC)", "bep 20");
    # comparing only ASCII letters and digits, case-folded, makes them collide on purpose.
    return "".join(ch for ch in value.casefold() if ch.isascii() and ch.isalnum())


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, network in NETWORKS.items():
        for label in (code, network.name, *_ALIASES.get(code, ())):
            key = _alias_key(label)
            existing = lookup.setdefault(key, code)
            # An alias that points at two networks would make lookups order-dependent.
            if existing != code:
                msg = f"network alias {label!r} is ambiguous ({existing} / {code})"
                raise ValueError(msg)
    return lookup


_LOOKUP = _build_lookup()


def get_network(value: str) -> Network | None:
    """Return the network for a code, name or common alias, or None if unknown.

    Matching ignores case, spaces and punctuation: "erc-20", "Ethereum" and "ETH" all give
    ERC20; "BSC" and "BNB Smart Chain" give BEP20; "TRON" and "TRX" give TRC20.
    """
    code = _LOOKUP.get(_alias_key(value))
    return None if code is None else NETWORKS[code]


def network_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs for form select boxes, in a fixed display order."""
    return [(network.code, network.name) for network in NETWORKS.values()]


_COIN_SYMBOL_RE = re.compile(r"[A-Za-z0-9]{2,10}")


def is_coin_symbol(value: str) -> bool:
    """Say whether `value` looks like a coin ticker (USDT, btc, 1INCH): 2-10 ASCII letters/digits.

    At least one letter is required: a bare number is far more likely an amount typed into
    the wrong field than a ticker.
    """
    return _COIN_SYMBOL_RE.fullmatch(value) is not None and any(
        ch.isalpha() for ch in value
    )


# --------------------------------------------------------------------------------------
# Checksum primitives
# --------------------------------------------------------------------------------------

_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")


def _crc16_xmodem(data: bytes) -> int:
    """CRC-16/XMODEM (poly 0x1021, init 0, no reflection), as used by TON and Stellar."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _b58decode(value: str, alphabet: bytes = base58.BITCOIN_ALPHABET) -> bytes | None:
    """Decode plain base58 (no checksum); None if `value` uses characters outside `alphabet`."""
    # The base58 library strips trailing whitespace before decoding; checking the alphabet
    # first makes "address\n" or "address " fail instead of being silently accepted.
    if not value or not set(value) <= set(alphabet.decode("ascii")):
        return None
    return base58.b58decode(value, alphabet=alphabet)


def _b58decode_check(
    value: str, alphabet: bytes = base58.BITCOIN_ALPHABET
) -> bytes | None:
    """Decode Base58Check (payload + first 4 bytes of double SHA-256); None if invalid."""
    if not value or not set(value) <= set(alphabet.decode("ascii")):
        return None
    try:
        return base58.b58decode_check(value, alphabet=alphabet)
    except ValueError:  # checksum mismatch
        return None


# Bech32 (BIP173) and Bech32m (BIP350) differ only in the constant the checksum must equal.
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUES = {ch: index for index, ch in enumerate(_BECH32_CHARSET)}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: Iterable[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                chk ^= generator
    return chk


def _bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]


def _bech32_decode(value: str) -> tuple[str, list[int], int] | None:
    """Decode a Bech32 or Bech32m string per BIP173/BIP350.

    Returns (hrp, data without the 6 checksum symbols, checksum constant) or None. The
    constant tells the caller which variant matched, since segwit v0 must use Bech32 and
    v1+ must use Bech32m.
    """
    if any(ord(ch) < 33 or ord(ch) > 126 for ch in value):
        return None
    # Either case is allowed, but mixing them is not (it would defeat QR alphanumeric mode
    # and usually means the string was hand-edited).
    if value.lower() != value and value.upper() != value:
        return None
    value = value.lower()
    separator = value.rfind("1")
    if separator < 1 or separator + 7 > len(value) or len(value) > 90:
        return None
    hrp = value[:separator]
    try:
        data = [_BECH32_VALUES[ch] for ch in value[separator + 1 :]]
    except KeyError:
        return None
    const = _bech32_polymod(_bech32_hrp_expand(hrp) + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    return hrp, data[:-6], const


def _convert_5_to_8(data: list[int]) -> bytes | None:
    """Regroup 5-bit symbols into bytes; None if the padding is over 4 bits or non-zero."""
    acc = 0
    bits = 0
    out = bytearray()
    for value in data:
        acc = ((acc << 5) | value) & 0xFFF
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    # BIP173: leftover bits are padding; more than 4 of them, or any set bit, means the
    # string was not produced by a conforming encoder (or was corrupted).
    if bits >= 5 or (acc << (8 - bits)) & 0xFF:
        return None
    return bytes(out)


def _is_segwit_address(hrp: str, value: str) -> bool:
    """Check a native segwit address (BIP173 + BIP350 witness version/length rules)."""
    decoded = _bech32_decode(value)
    if decoded is None:
        return False
    got_hrp, data, const = decoded
    if got_hrp != hrp or not data:
        return False
    version = data[0]
    if version > 16:
        return False
    program = _convert_5_to_8(data[1:])
    if program is None or not 2 <= len(program) <= 40:
        return False
    # BIP141: v0 programs are P2WPKH (20 bytes) or P2WSH (32 bytes), nothing else.
    if version == 0 and len(program) not in (20, 32):
        return False
    # BIP350: v0 keeps the original Bech32 constant, v1+ (Taproot onwards) must use Bech32m.
    return const == (_BECH32_CONST if version == 0 else _BECH32M_CONST)


# --------------------------------------------------------------------------------------
# Address checks, one per family
# --------------------------------------------------------------------------------------

# Base58Check version bytes accepted per chain; testnet versions are absent on purpose.
_BASE58_VERSIONS: dict[str, frozenset[int]] = {
    "BTC": frozenset({0x00, 0x05}),  # 1... P2PKH, 3... P2SH
    "LTC": frozenset({0x30, 0x32, 0x05}),  # L..., M... (P2SH), legacy 3... P2SH
    "DOGE": frozenset({0x1E, 0x16}),  # D..., 9.../A... (P2SH)
}
# Native segwit human-readable parts (SLIP-0173); Dogecoin has no segwit.
_SEGWIT_HRP: dict[str, str] = {"BTC": "bc", "LTC": "ltc"}


def _is_bitcoin_like_address(code: str, address: str) -> bool:
    hrp = _SEGWIT_HRP.get(code)
    # Try segwit first but fall through to base58 on failure: a legacy Litecoin address
    # may itself begin with "Ltc1...", so the prefix alone cannot pick the format.
    if hrp is not None and _is_segwit_address(hrp, address):
        return True
    # 25 decoded bytes never need more than 35 base58 characters; the cap also keeps
    # pathological input from reaching the (quadratic) base58 decoder.
    if not 26 <= len(address) <= 35:
        return False
    payload = _b58decode_check(address)
    return (
        payload is not None
        and len(payload) == 21
        and payload[0] in _BASE58_VERSIONS[code]
    )


_EVM_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")


def _is_evm_address(address: str) -> bool:
    """0x + 40 hex; mixed case must be the EIP-55 checksum, single case carries none."""
    if _EVM_ADDRESS_RE.fullmatch(address) is None:
        return False
    body = address[2:]
    # All-lowercase / all-uppercase addresses predate EIP-55 and are still what many
    # wallets and exchanges display, so they are accepted without a checksum.
    if body in (body.lower(), body.upper()):
        return True
    digest = keccak.new(digest_bits=256, data=body.lower().encode("ascii")).hexdigest()
    # EIP-55: the i-th hex letter is uppercase exactly when the i-th nibble of
    # keccak256(lowercase hex) is >= 8. Digits are unaffected by upper()/lower().
    return all(
        ch == (ch.upper() if int(nibble, 16) >= 8 else ch.lower())
        for ch, nibble in zip(body, digest[:40], strict=True)
    )


def _is_tron_address(address: str) -> bool:
    # TRON reuses Base58Check with a 0x41 version byte, which always renders as "T...".
    if len(address) != 34 or not address.startswith("T"):
        return False
    payload = _b58decode_check(address)
    return payload is not None and len(payload) == 21 and payload[0] == 0x41


def _is_solana_address(address: str) -> bool:
    # Solana addresses are raw ed25519 keys (or program-derived addresses) in base58 with
    # no checksum, so the length of the decoded value is all that can be checked.
    if not 32 <= len(address) <= 44:
        return False
    decoded = _b58decode(address)
    return decoded is not None and len(decoded) == 32


def _is_xrp_address(address: str) -> bool:
    # Classic XRPL account IDs: Base58Check over Ripple's own alphabet, version 0x00 ("r").
    if not 25 <= len(address) <= 35 or not address.startswith("r"):
        return False
    payload = _b58decode_check(address, base58.RIPPLE_ALPHABET)
    return payload is not None and len(payload) == 21 and payload[0] == 0x00


_TON_RAW_RE = re.compile(r"(?:0|-1):[0-9a-fA-F]{64}")
_TON_FRIENDLY_RE = re.compile(r"[A-Za-z0-9+/_-]{48}")
# Tag byte of a user-friendly address: 0x11 bounceable, 0x51 non-bounceable; 0x80 marks
# testnet-only addresses, which are rejected because exchanges deposit on mainnet.
_TON_TAGS = frozenset({0x11, 0x51})
# Workchain byte: 0x00 basechain, 0xff masterchain (-1); the only workchains that exist.
_TON_WORKCHAINS = frozenset({0x00, 0xFF})


def _b64decode_any(value: str) -> bytes | None:
    """Decode standard or URL-safe base64 (not a mix of both); None if malformed."""
    if ("+" in value or "/" in value) and ("-" in value or "_" in value):
        return None
    try:
        return base64.b64decode(
            value.replace("-", "+").replace("_", "/"), validate=True
        )
    except binascii.Error:
        return None


def _is_ton_address(address: str) -> bool:
    if _TON_RAW_RE.fullmatch(address):
        # The raw form has no checksum: shape is all there is to check.
        return True
    if _TON_FRIENDLY_RE.fullmatch(address) is None:
        return False
    data = _b64decode_any(address)
    if data is None or len(data) != 36:
        return False
    if data[0] not in _TON_TAGS or data[1] not in _TON_WORKCHAINS:
        return False
    return _crc16_xmodem(data[:34]) == int.from_bytes(data[34:], "big")


_STELLAR_ACCOUNT_RE = re.compile(r"G[A-Z2-7]{55}")
_STELLAR_VERSION_ACCOUNT = 6 << 3  # STRKEY_PUBKEY | ED25519 (SEP-0023)


def _is_stellar_address(address: str) -> bool:
    # Only G... account IDs: muxed (M...), contract (C...) and other StrKeys are not
    # something a user deposits to on an exchange.
    if _STELLAR_ACCOUNT_RE.fullmatch(address) is None:
        return False
    # 56 base32 symbols are exactly 35 bytes (280 bits), so there are no unused trailing
    # bits whose canonical form SEP-0023 would otherwise require us to check.
    data = base64.b32decode(address)
    if data[0] != _STELLAR_VERSION_ACCOUNT:
        return False
    return _crc16_xmodem(data[:33]) == int.from_bytes(data[33:], "little")


def _is_cosmos_address(address: str) -> bool:
    decoded = _bech32_decode(address)
    if decoded is None:
        return False
    hrp, data, const = decoded
    # Cosmos SDK uses classic Bech32 only; "cosmosvaloper"/"cosmosvalcons" HRPs belong to
    # validators, not accounts, and are rejected by the exact HRP match.
    if hrp != "cosmos" or const != _BECH32_CONST:
        return False
    program = _convert_5_to_8(data)
    # 20 bytes: key-derived accounts; 32 bytes: module/ICA/contract accounts.
    return program is not None and len(program) in (20, 32)


_EOS_ACCOUNT_RE = re.compile(r"[a-z1-5.]{0,11}[a-z1-5]")


def _is_eos_account(address: str) -> bool:
    # EOS "addresses" are account names: 1-12 of a-z, 1-5 and '.', never ending in '.'.
    return _EOS_ACCOUNT_RE.fullmatch(address) is not None


def validate_address(network_code: str, address: str) -> bool:
    """Say whether `address` is a well-formed mainnet address on the given network.

    Checksums are verified wherever the chain defines one (Base58Check, Bech32/Bech32m,
    EIP-55 for mixed-case EVM addresses, CRC16 for TON/Stellar). Unknown networks give
    False. `network_code` may also be an alias accepted by get_network().
    """
    network = get_network(network_code)
    if network is None:
        return False
    family = network.family
    if family == "bitcoin":
        return _is_bitcoin_like_address(network.code, address)
    if family == "evm":
        return _is_evm_address(address)
    if family == "tron":
        return _is_tron_address(address)
    if family == "solana":
        return _is_solana_address(address)
    if family == "xrp":
        return _is_xrp_address(address)
    if family == "ton":
        return _is_ton_address(address)
    if family == "stellar":
        return _is_stellar_address(address)
    if family == "cosmos":
        return _is_cosmos_address(address)
    if family == "eos":
        return _is_eos_account(address)
    return False


# --------------------------------------------------------------------------------------
# Transaction hashes
# --------------------------------------------------------------------------------------

_EVM_TXID_RE = re.compile(r"0x[0-9a-fA-F]{64}")
_TON_B64_HASH_RE = re.compile(r"[A-Za-z0-9+/_-]{43}=")


def _is_solana_signature(txid: str) -> bool:
    # A Solana transaction is identified by its first ed25519 signature: 64 bytes in base58
    # (at most 88 characters).
    if len(txid) > 88:
        return False
    decoded = _b58decode(txid)
    return decoded is not None and len(decoded) == 64


def _is_ton_hash(txid: str) -> bool:
    if _HEX64_RE.fullmatch(txid):
        return True
    if _TON_B64_HASH_RE.fullmatch(txid) is None:
        return False
    data = _b64decode_any(txid)
    if data is None or len(data) != 32:
        return False
    # Reject non-canonical encodings (non-zero unused bits in the last symbol): re-encoding
    # must give back exactly what was typed, in whichever alphabet it was typed.
    encoded = base64.b64encode(data).decode("ascii")
    return txid in (encoded, encoded.replace("+", "-").replace("/", "_"))


def validate_txid(network_code: str, txid: str) -> bool:
    """Say whether `txid` is a well-formed transaction hash on the given network.

    EVM chains use 0x + 64 hex; Bitcoin-family, TRON, XRP, Stellar, Cosmos and EOS use 64
    hex without a prefix (any case); Solana uses a base58 64-byte signature; TON accepts
    64 hex or 44-character base64 of the 32-byte hash. Unknown networks give False.
    """
    network = get_network(network_code)
    if network is None:
        return False
    if network.family == "evm":
        return _EVM_TXID_RE.fullmatch(txid) is not None
    if network.family == "solana":
        return _is_solana_signature(txid)
    if network.family == "ton":
        return _is_ton_hash(txid)
    return _HEX64_RE.fullmatch(txid) is not None


# --------------------------------------------------------------------------------------
# Memos / destination tags
# --------------------------------------------------------------------------------------

_XRP_TAG_RE = re.compile(r"0|[1-9][0-9]{0,9}")
_XRP_TAG_MAX = 2**32 - 1  # destination tags are UInt32 on the XRP Ledger
_STELLAR_MEMO_TEXT_MAX_BYTES = 28  # MEMO_TEXT is string<28> in Stellar's XDR
_MEMO_MAX_CHARS = 256


def _is_clean_text(memo: str) -> bool:
    # Printable, non-blank, and no leading/trailing whitespace: a memo is matched
    # byte-for-byte by the receiving exchange, so a stray space or newline loses the deposit.
    return bool(memo) and memo.isprintable() and memo == memo.strip()


def validate_memo(network_code: str, memo: str) -> bool:
    """Say whether `memo` is a valid memo / destination tag for the network.

    XRP: a destination tag, decimal 0..2**32-1 without leading zeros. XLM: text of at most
    28 UTF-8 bytes (which also covers every numeric MEMO_ID, at most 20 digits). TON, ATOM
    and EOS: printable text of at most 256 characters. Networks that use no memo, and
    unknown networks, give False.
    """
    network = get_network(network_code)
    if network is None or network.memo_label is None:
        return False
    if network.family == "xrp":
        return _XRP_TAG_RE.fullmatch(memo) is not None and int(memo) <= _XRP_TAG_MAX
    if not _is_clean_text(memo):
        return False
    if network.family == "stellar":
        return len(memo.encode("utf-8")) <= _STELLAR_MEMO_TEXT_MAX_BYTES
    return len(memo) <= _MEMO_MAX_CHARS
