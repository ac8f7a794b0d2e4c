"""Bitcoin Core's own Base58 and key/address vectors (src/test/data, MIT), run through chains.py.

Complements test_chains.py (BIP173, BIP350, EIP-55, SEP-0023, ...) with the reference client's
address-encoding vectors: every mainnet address must be valid with the exact payload the vector
gives, every testnet/signet/regtest address and every private key must be refused as a deposit
address, and every private key must be recognised as one by the secret masker.
"""

from __future__ import annotations

import json
from pathlib import Path

import base58
import pytest

from beacon.core import chains
from beacon.triage.secrets import mask_secrets

SAMPLES = Path(__file__).parent / "samples"
BASE58 = json.loads((SAMPLES / "bitcoin_base58_encode_decode.json").read_text())[
    "vectors"
]
KEY_IO = json.loads((SAMPLES / "bitcoin_key_io_valid.json").read_text())["vectors"]

MAIN_ADDRESSES = [
    (s, h) for s, h, chain, private, _c in KEY_IO if chain == "main" and not private
]
OTHER_ADDRESSES = [
    s for s, _h, chain, private, _c in KEY_IO if chain != "main" and not private
]
PRIVATE_KEYS = [(s, h, c) for s, h, _chain, private, c in KEY_IO if private]


def test_the_vector_files_are_complete() -> None:
    assert len(KEY_IO) == 70
    assert len(MAIN_ADDRESSES) == 14 and len(PRIVATE_KEYS) == 16


@pytest.mark.parametrize(("hex_value", "encoded"), [v for v in BASE58 if v[1]])
def test_base58_reference_vectors_decode(hex_value: str, encoded: str) -> None:
    assert chains._b58decode(encoded) == bytes.fromhex(hex_value)
    assert base58.b58encode(bytes.fromhex(hex_value)).decode() == encoded


def test_empty_base58_is_refused() -> None:
    assert chains._b58decode("") is None


def _script_of(address: str) -> str:
    """The output script an address pays to, rebuilt from what chains.py decodes."""
    if address.lower().startswith("bc1"):
        decoded = chains._bech32_decode(address)
        assert decoded is not None
        _hrp, data, _const = decoded
        program = chains._convert_5_to_8(data[1:])
        assert program is not None
        version = data[0]
        opcode = 0 if version == 0 else 0x50 + version
        return f"{opcode:02x}{len(program):02x}{program.hex()}"
    payload = chains._b58decode_check(address)
    assert payload is not None
    if payload[0] == 0x00:
        return f"76a914{payload[1:].hex()}88ac"
    return f"a914{payload[1:].hex()}87"


@pytest.mark.parametrize(("address", "script"), MAIN_ADDRESSES)
def test_mainnet_addresses_are_valid_with_the_vectors_payload(
    address: str, script: str
) -> None:
    assert chains.validate_address("BTC", address)
    assert _script_of(address) == script


@pytest.mark.parametrize(
    "address", [a for a, _s in MAIN_ADDRESSES if a.startswith("bc1")]
)
def test_mainnet_segwit_addresses_are_valid_in_upper_case_too(address: str) -> None:
    # The vectors say tryCaseFlip: Bech32 is case-insensitive as a whole.
    assert chains.validate_address("BTC", address.upper())


@pytest.mark.parametrize("address", OTHER_ADDRESSES)
def test_test_network_addresses_are_not_deposit_addresses(address: str) -> None:
    for code in ("BTC", "LTC", "DOGE"):
        assert not chains.validate_address(code, address)


@pytest.mark.parametrize(("wif", "key", "compressed"), PRIVATE_KEYS)
def test_private_keys_are_never_addresses_and_always_secrets(
    wif: str, key: str, compressed: bool
) -> None:
    payload = base58.b58decode_check(wif)

    assert payload[1:33].hex() == key
    assert (len(payload) == 34) is compressed
    assert not chains.validate_address("BTC", wif)
    result = mask_secrets(f"my key {wif} thanks")
    assert [f.kind for f in result.findings] == ["wif"]
    assert wif not in result.text
