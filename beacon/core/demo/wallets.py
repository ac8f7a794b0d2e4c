"""Well-formed (checksummed) addresses, transaction hashes and memos for demo tickets.

Generated from a seeded `random.Random`, so the demo is the same on every machine. The values
pass beacon.core.chains validation but belong to nobody: the key material is random bytes.
"""

from __future__ import annotations

import base64
import random

import base58
from Crypto.Hash import keccak

# Networks the demo uses, with the coins people move on them.
COINS_BY_NETWORK: dict[str, tuple[str, ...]] = {
    "TRC20": ("USDT",),
    "ERC20": ("USDT", "ETH", "USDC"),
    "BEP20": ("USDT", "BNB"),
    "BTC": ("BTC",),
    "SOL": ("SOL", "USDC"),
    "XRP": ("XRP",),
    "TON": ("TON", "USDT"),
    "LTC": ("LTC",),
    "POLYGON": ("USDC", "USDT"),
    "ARBITRUM": ("ETH", "USDT"),
}
# How often each network appears (TRC20 USDT dominates real deposit queues).
NETWORK_WEIGHTS: dict[str, int] = {
    "TRC20": 30,
    "ERC20": 15,
    "BEP20": 12,
    "BTC": 10,
    "SOL": 8,
    "XRP": 6,
    "TON": 6,
    "LTC": 4,
    "POLYGON": 5,
    "ARBITRUM": 4,
}
AMOUNT_RANGES: dict[str, tuple[float, float, int]] = {
    # coin: (low, high, decimals)
    "USDT": (50, 25_000, 2),
    "USDC": (50, 15_000, 2),
    "BTC": (0.002, 1.5, 6),
    "ETH": (0.05, 12, 4),
    "BNB": (0.2, 40, 3),
    "SOL": (1, 300, 2),
    "XRP": (20, 20_000, 2),
    "TON": (10, 3_000, 2),
    "LTC": (0.5, 80, 4),
}

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                chk ^= generator
    return chk


def _segwit_v0(hrp: str, program: bytes) -> str:
    """BIP173 encoding of a version-0 witness program (bc1q… / ltc1q…)."""
    data = [0]
    acc = bits = 0
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    polymod = _bech32_polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _eip55(raw: bytes) -> str:
    body = raw.hex()
    digest = keccak.new(digest_bits=256, data=body.encode("ascii")).hexdigest()
    return "0x" + "".join(
        ch.upper() if int(nibble, 16) >= 8 else ch
        for ch, nibble in zip(body, digest, strict=False)
    )


def address(rng: random.Random, network: str) -> str:
    """A checksummed mainnet address on `network`."""
    key = rng.randbytes(32)
    if network in ("ERC20", "BEP20", "POLYGON", "ARBITRUM"):
        return _eip55(key[:20])
    if network == "TRC20":
        return base58.b58encode_check(b"\x41" + key[:20]).decode("ascii")
    if network == "BTC":
        # Most customers use native segwit today; a few still have legacy "1…" addresses.
        if rng.random() < 0.8:
            return _segwit_v0("bc", key[:20])
        return base58.b58encode_check(b"\x00" + key[:20]).decode("ascii")
    if network == "LTC":
        return base58.b58encode_check(b"\x30" + key[:20]).decode("ascii")
    if network == "XRP":
        return base58.b58encode_check(
            b"\x00" + key[:20], alphabet=base58.RIPPLE_ALPHABET
        ).decode("ascii")
    if network == "SOL":
        # A leading zero byte would shorten the base58 text below what wallets ever show.
        return base58.b58encode(b"\x01" + key[1:]).decode("ascii")
    if network == "TON":
        body = b"\x11\x00" + key
        return base64.urlsafe_b64encode(
            body + _crc16_xmodem(body).to_bytes(2, "big")
        ).decode("ascii")
    msg = f"no demo address generator for {network}"
    raise ValueError(msg)


def txid(rng: random.Random, network: str) -> str:
    """A transaction hash in the form the network's explorers show."""
    digest = rng.randbytes(32)
    if network in ("ERC20", "BEP20", "POLYGON", "ARBITRUM"):
        return "0x" + digest.hex()
    if network == "SOL":
        return base58.b58encode(b"\x01" + rng.randbytes(63)).decode("ascii")
    if network == "XRP":
        return digest.hex().upper()
    return digest.hex()


def memo(rng: random.Random, network: str) -> str:
    """A destination tag (XRP) or numeric memo (TON) like those exchanges assign per user."""
    if network == "XRP":
        return str(rng.randint(100_000, 4_000_000_000))
    return str(rng.randint(100_000_000, 999_999_999))


def needs_memo(network: str) -> bool:
    return network in ("XRP", "TON")


def pick_network(rng: random.Random) -> str:
    networks = list(NETWORK_WEIGHTS)
    return rng.choices(networks, weights=[NETWORK_WEIGHTS[n] for n in networks])[0]


def amount(rng: random.Random, coin: str) -> str:
    low, high, decimals = AMOUNT_RANGES.get(coin, (1, 1_000, 2))
    # Log-uniform: many small transfers, a few large ones, as in a real queue.
    value = low * (high / low) ** rng.random()
    return f"{value:.{decimals}f}"
