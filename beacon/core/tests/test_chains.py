"""Tests for beacon.core.chains against published test vectors and real mainnet addresses.

Every "valid" vector below comes from a specification or a well-known on-chain address;
the source is cited next to it. "Invalid" vectors are either the specification's own
invalid lists or one-character corruptions of a valid vector. The exhaustive
single-substitution tests at the end would fail if any checksum check were removed, since
every substituted string still has the right alphabet, length and prefix.
"""

from __future__ import annotations

import base64

import base58
import pytest

from beacon.core import chains
from beacon.core.chains import (
    NETWORKS,
    Network,
    get_network,
    is_coin_symbol,
    network_choices,
    validate_address,
    validate_memo,
    validate_txid,
)

# ======================================================================================
# Bitcoin: BIP173 (Bech32) and BIP350 (Bech32m)
# Source: https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki#test-vectors
#         https://github.com/bitcoin/bips/blob/master/bip-0350.mediawiki#test-vectors
# ======================================================================================

# BIP173 "valid Bech32" strings (generic checksum test, any HRP).
BIP173_VALID_BECH32 = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]

# BIP350 "valid Bech32m" strings; BIP350 notes they double as invalid Bech32.
BIP350_VALID_BECH32M = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]

# BIP173 and BIP350 invalid strings (reason from the BIP in the comment).
BECH32_INVALID_STRINGS = [
    "\x20" + "1nwldj5",  # BIP173: HRP character out of range
    "\x7f" + "1axkwrx",  # BIP173: HRP character out of range
    "\x80" + "1eym55h",  # BIP173: HRP character out of range
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",  # BIP173: too long
    "pzry9x0s0muk",  # BIP173: no separator
    "1pzry9x0s0muk",  # BIP173: empty HRP
    "x1b4n0q5v",  # BIP173: invalid data character
    "li1dgmt3",  # BIP173: too short checksum
    "de1lg7wt" + "\xff",  # BIP173: invalid character in checksum
    "A1G7SGD8",  # BIP173: checksum calculated with uppercase HRP
    "10a06t8",  # BIP173: empty HRP
    "1qzzfhee",  # BIP173: empty HRP
    "\x20" + "1xj0phk",  # BIP350: HRP character out of range
    "\x7f" + "1g6xzxy",  # BIP350: HRP character out of range
    "\x80" + "1vctc34",  # BIP350: HRP character out of range
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",  # BIP350: too long
    "qyrz8wqd2c9m",  # BIP350: no separator
    "1qyrz8wqd2c9m",  # BIP350: empty HRP
    "y1b0jsk6g",  # BIP350: invalid data character
    "lt1igcx5c0",  # BIP350: invalid data character
    "in1muywd",  # BIP350: too short checksum
    "mm1crxm3i",  # BIP350: invalid character in checksum
    "au1s5cgom",  # BIP350: invalid character in checksum
    "M1VUXWEZ",  # BIP350: checksum calculated with uppercase HRP
    "16plkw9",  # BIP350: empty HRP
    "1p2gdwpf",  # BIP350: empty HRP
]

# Mainnet segwit addresses from the BIP350 valid list (the BIP173 v0 one is the same).
BTC_SEGWIT_VALID = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # v0 P2WPKH, uppercase form
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",  # v1, 40 bytes
    "BC1SW50QGDZ25J",  # v16, 2 bytes
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",  # v2, 16 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",  # v1 Taproot, 32 bytes
]

# Testnet addresses that are valid in BIP173/BIP350 but must not pass as BTC mainnet.
BTC_TESTNET_SEGWIT = [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
]

# BIP173 invalid segwit address list.
BIP173_INVALID_ADDRESSES = [
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",  # invalid human-readable part
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # invalid checksum
    "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",  # invalid witness version
    "bc1rw5uspcuh",  # invalid program length
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",  # invalid program length
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # invalid program length for v0 (BIP141)
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",  # mixed case
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # zero padding of more than 4 bits
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",  # non-zero padding in 8-to-5
    "bc1gmk9yu",  # empty data section
]

# BIP350 invalid segwit address list.
BIP350_INVALID_ADDRESSES = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  # invalid human-readable part
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # Bech32 instead of Bech32m
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",  # Bech32 instead of Bech32m
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # Bech32 instead of Bech32m
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # Bech32m instead of Bech32
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",  # Bech32m instead of Bech32
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # invalid char in checksum
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # invalid witness version
    "bc1pw5dgrnzv",  # invalid program length (1 byte)
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # invalid program length for v0 (BIP141)
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",  # mixed case
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # zero padding > 4 bits
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",  # non-zero padding in 8-to-5
    "bc1gmk9yu",  # empty data section
]

# BIP173's original valid list encoded v1+ programs with Bech32; BIP350 replaced those
# with Bech32m, so these three must now be rejected (same programs as BTC_SEGWIT_VALID).
BIP173_V1PLUS_SUPERSEDED = [
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "BC1SW50QA3JX3S",
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
]

BTC_BASE58_VALID = [
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # genesis block coinbase (P2PKH)
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # en.bitcoin.it/wiki/Invoice_address P2PKH example
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # en.bitcoin.it/wiki/Invoice_address P2SH example
]


@pytest.mark.parametrize("value", BIP173_VALID_BECH32)
def test_bip173_valid_strings_decode_as_bech32(value: str) -> None:
    decoded = chains._bech32_decode(value)
    assert decoded is not None
    assert decoded[2] == chains._BECH32_CONST


@pytest.mark.parametrize("value", BIP350_VALID_BECH32M)
def test_bip350_valid_strings_decode_as_bech32m(value: str) -> None:
    decoded = chains._bech32_decode(value)
    assert decoded is not None
    assert decoded[2] == chains._BECH32M_CONST


@pytest.mark.parametrize("value", BECH32_INVALID_STRINGS)
def test_bip173_bip350_invalid_strings_are_rejected(value: str) -> None:
    assert chains._bech32_decode(value) is None


@pytest.mark.parametrize("address", BTC_SEGWIT_VALID + BTC_BASE58_VALID)
def test_btc_valid_addresses(address: str) -> None:
    assert validate_address("BTC", address)


@pytest.mark.parametrize("address", BTC_SEGWIT_VALID)
def test_btc_segwit_lowercase_form_is_also_valid(address: str) -> None:
    assert validate_address("BTC", address.lower())


@pytest.mark.parametrize(
    "address",
    BTC_TESTNET_SEGWIT
    + BIP173_INVALID_ADDRESSES
    + BIP350_INVALID_ADDRESSES
    + BIP173_V1PLUS_SUPERSEDED,
)
def test_btc_bip_invalid_and_testnet_addresses_are_rejected(address: str) -> None:
    assert not validate_address("BTC", address)


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # genesis, last character changed
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfMa",  # genesis, one character changed
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DjvfNa",  # genesis, one character changed
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN",  # genesis, truncated
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",  # P2SH, last character changed
        "3J98t1WpEZ73CNmQviEcrnyiWrnqRhWNLy",  # P2SH, one character's case changed
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # BIP173 P2WPKH, checksum changed
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj1",  # Taproot, changed
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jJ0",  # Taproot, mixed case
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet P2PKH (version 0x6f), valid checksum
        "2N2JD6wb56AfK4tfmM6PwdVmoYk2dCKf4Br",  # testnet P2SH (version 0xc4), valid checksum
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ",  # trailing space (base58 lib would strip it)
        " 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # leading space
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na",  # '0' is not in the base58 alphabet
        "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA",  # Litecoin address on the BTC network
        "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9",  # Litecoin segwit on the BTC network
        "",
    ],
)
def test_btc_corrupted_and_foreign_addresses_are_rejected(address: str) -> None:
    assert not validate_address("BTC", address)


# ======================================================================================
# Litecoin and Dogecoin (Base58Check versions + Litecoin segwit HRP "ltc")
# Sources: litecoin-project/litecoin src/test/data/key_io_valid.json,
#          dogecoin/dogecoin src/test/data/key_io_valid.json
# ======================================================================================

LTC_VALID = [
    "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA",  # key_io_valid.json, main, P2PKH (0x30)
    "LbfVMz974gbbGFqXF7FZUpSBWSbwBHDwR5",  # key_io_valid.json, main, P2PKH (0x30)
    "MHrYRxAiMNBTku3eoDHwhA1LQGDjUStZW2",  # key_io_valid.json, main, P2SH (0x32)
    "MWGEAUUZoN4r6puz8KsgnE9wNTQ8fGWCEy",  # key_io_valid.json, main, P2SH (0x32)
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # legacy 3... P2SH (0x05), still accepted by Litecoin
    # BIP173's P2WPKH / P2WSH test programs under Litecoin's SLIP-0173 HRP "ltc".
    "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9",
    "ltc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qmu8tk5",
    "LTC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KGMN4N9",
]

LTC_INVALID = [
    "mwXn5Vhicdav8Av3KMokx4YNuHoGRKxtWs",  # key_io_valid.json, *test* chain P2PKH
    "QXaUgLHkZcbJb2j5XgMYzY8cF9YM48Y81Z",  # key_io_valid.json, *test* chain P2SH
    "tltc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qsnr4fp",  # testnet segwit
    "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeB",  # one character changed
    "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RjbPeA",  # one character changed
    "MHrYRxAiMNBTku3eoDHwhA1LQGDjUStZW3",  # one character changed
    "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n8",  # checksum character changed
    "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # Bitcoin checksum with Litecoin HRP
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # Bitcoin P2PKH
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # Bitcoin segwit
    "DEQU7G2Chw4r1gSKZt2GfKBpGbkbQSwp3S",  # Dogecoin
]

DOGE_VALID = [
    "DEQU7G2Chw4r1gSKZt2GfKBpGbkbQSwp3S",  # key_io_valid.json, main, P2PKH (0x1e)
    "DF6ADpqER651R2eKfXeJ73iVFW4kRN89jY",  # key_io_valid.json, main, P2PKH (0x1e)
    "A36czoRusM4VxnNiEjTaaDcMyr4GB73xw1",  # key_io_valid.json, main, P2SH (0x16)
    "9tg8sLnB9okjuNSdgtAWrNPcgijs1yMwBE",  # key_io_valid.json, main, P2SH (0x16)
]

DOGE_INVALID = [
    "nbpzakKSn16ZAp7nXuu9tELBrmiVpEyV1Q",  # key_io_valid.json, *test* chain P2PKH
    "2N2JD6wb56AfK4tfmM6PwdVmoYk2dCKf4Br",  # key_io_valid.json, *test* chain P2SH
    "DEQU7G2Chw4r1gSKZt2GfKBpGbkbQSwp3T",  # one character changed
    "DEQU7G2Chw4r1gSKZt2GfKBpGbkbQTwp3S",  # one character changed
    "A36czoRusM4VxnNiEjTaaDcMyr4GB73xw2",  # one character changed
    "dg1qw508d6qejxtdg4y5r3zarvary0c5xw7k2npgug",  # segwit does not exist on Dogecoin mainnet
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # Bitcoin
    "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA",  # Litecoin
]


@pytest.mark.parametrize("address", LTC_VALID)
def test_ltc_valid_addresses(address: str) -> None:
    assert validate_address("LTC", address)


@pytest.mark.parametrize("address", LTC_INVALID)
def test_ltc_invalid_addresses(address: str) -> None:
    assert not validate_address("LTC", address)


@pytest.mark.parametrize("address", DOGE_VALID)
def test_doge_valid_addresses(address: str) -> None:
    assert validate_address("DOGE", address)


@pytest.mark.parametrize("address", DOGE_INVALID)
def test_doge_invalid_addresses(address: str) -> None:
    assert not validate_address("DOGE", address)


# ======================================================================================
# EVM: EIP-55 mixed-case checksum
# Source: https://eips.ethereum.org/EIPS/eip-55 ("Test Cases"; the EIP lists three groups:
# all caps, all lower, normal — the four test() calls in its code block are the "normal"
# group again)
# ======================================================================================

EIP55_ALL_CAPS = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
]
EIP55_ALL_LOWER = [
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
]
EIP55_NORMAL = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
EVM_CODES = ["ERC20", "BEP20", "POLYGON", "ARBITRUM", "OPTIMISM", "AVAXC"]


@pytest.mark.parametrize("code", EVM_CODES)
@pytest.mark.parametrize("address", EIP55_ALL_CAPS + EIP55_ALL_LOWER + EIP55_NORMAL)
def test_eip55_test_cases_are_valid_on_every_evm_network(
    code: str, address: str
) -> None:
    assert validate_address(code, address)


@pytest.mark.parametrize("address", EIP55_NORMAL)
def test_eip55_single_case_forms_carry_no_checksum_and_are_accepted(
    address: str,
) -> None:
    assert validate_address("ERC20", "0x" + address[2:].lower())
    assert validate_address("ERC20", "0x" + address[2:].upper())


@pytest.mark.parametrize(
    "address",
    [
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # EIP-55 normal #1, 'a' -> 'A'
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # EIP-55 normal #1, last 'd' -> 'D'
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5D359",  # EIP-55 normal #2, 'd' -> 'D'
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8c6FB",  # EIP-55 normal #3, 'C' -> 'c'
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9ADb",  # EIP-55 normal #4, 'a' -> 'A'
        "0x52908400098527886E0F7030069857D2E4169Ee7",  # EIP-55 all caps #1, 'E' -> 'e'
        "0xde709f2102306220921060314715629080e2fB77",  # EIP-55 all lower #1, 'b' -> 'B'
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAee",  # one hex digit changed, case kept
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",  # 39 hex digits
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",  # 41 hex digits
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # missing 0x
        "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # "0X" prefix
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",  # non-hex character
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ",  # trailing space
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # TRON address
    ],
)
def test_evm_corrupted_addresses_are_rejected(address: str) -> None:
    for code in EVM_CODES:
        assert not validate_address(code, address)


# ======================================================================================
# TRON
# ======================================================================================

TRON_VALID = [
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # USDT (TRC20) token contract on TRON mainnet
    # TRON developer docs (Account > address format): hex 418840E6C55B9ADA326D211D818C34A994AECED808
    "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL",
]

TRON_INVALID = [
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",  # USDT contract, last character changed
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj7t",  # USDT contract, one character changed
    "TR7NHqjeKQxGTCi8q8ZY4pL8OtSzgjLj6t",  # USDT contract, one character's case changed
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6",  # truncated
    "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeM",  # docs example, one character changed
    "418840E6C55B9ADA326D211D818C34A994AECED808",  # hex form is not what users paste to send
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # Bitcoin (valid Base58Check, version 0x00)
    "0xa614f803B6FD780986A42c78Ec9c7f77e6DeD13C",  # EVM form of the USDT-TRC20 contract
    "",
]


@pytest.mark.parametrize("address", TRON_VALID)
def test_tron_valid_addresses(address: str) -> None:
    assert validate_address("TRC20", address)


@pytest.mark.parametrize("address", TRON_INVALID)
def test_tron_invalid_addresses(address: str) -> None:
    assert not validate_address("TRC20", address)


def test_tron_checks_version_byte_and_not_only_the_checksum() -> None:
    # Synthetic strings built with base58.b58encode_check over the payload 01..14 (hex), so
    # their checksums are correct and only the version byte differs.
    assert validate_address("TRC20", "TA4Y62o6YC2Zsck9rZVGTvqW1AQ7X9zTnj")  # 0x41
    assert base58.b58decode_check("TZQ9596PFNVSh3tEsypax47Hdff4DKLkmj")[0] == 0x42
    assert not validate_address(
        "TRC20", "TZQ9596PFNVSh3tEsypax47Hdff4DKLkmj"
    )  # 0x42, starts with T


# ======================================================================================
# Solana (no checksum: base58 that decodes to exactly 32 bytes)
# ======================================================================================

SOL_VALID = [
    "11111111111111111111111111111111",  # System Program
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",  # SPL Token Program
    "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",  # Associated Token Account Program
    "So11111111111111111111111111111111111111112",  # Wrapped SOL mint
    "EPjFWdd5AufqSSqeM2qN1xyybapC8G4wEGGkZwyTDt1v",  # USDC mint
    "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",  # USDT mint
]

SOL_INVALID = [
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0",  # '0' is not base58
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DI",  # 'I' is not base58
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5Dl",  # 'l' is not base58
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DAA",  # 45 characters
    "1111111111111111111111111111111",  # 31 ones: 31 bytes
    "111111111111111111111111111111111",  # 33 ones: 33 bytes
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",  # 44 chars but decodes to 33 bytes
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA ",  # trailing space
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # EVM address
    "",
]


@pytest.mark.parametrize("address", SOL_VALID)
def test_solana_valid_addresses(address: str) -> None:
    assert validate_address("SOL", address)


@pytest.mark.parametrize("address", SOL_INVALID)
def test_solana_invalid_addresses(address: str) -> None:
    assert not validate_address("SOL", address)


# ======================================================================================
# XRP Ledger (Base58Check over the Ripple alphabet)
# Source: XRPL docs, "Addresses" (genesis account and special addresses)
# ======================================================================================

XRP_VALID = [
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",  # genesis account
    "rrrrrrrrrrrrrrrrrrrrrhoLvTp",  # ACCOUNT_ZERO
    "rrrrrrrrrrrrrrrrrrrrBZbvji",  # ACCOUNT_ONE
    "rrrrrrrrrrrrrrrrrNAMEtxvNvQ",  # name reservation black hole
    "rrrrrrrrrrrrrrrrrrrn5RM1rHd",  # NaN address
]

XRP_INVALID = [
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTi",  # genesis, last character changed
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtzTh",  # genesis, one character changed
    "rHb9CJAWyB4rj91VRWn96DKukG4bwdtyTh",  # genesis, one character's case changed
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyT",  # truncated
    "rrrrrrrrrrrrrrrrrrrrrhoLvTq",  # ACCOUNT_ZERO, last character changed
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # Bitcoin alphabet, not Ripple's
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh0",  # '0' is not in the Ripple alphabet
    "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ",  # X-address (XLS-5d): not supported
    "",
]


@pytest.mark.parametrize("address", XRP_VALID)
def test_xrp_valid_addresses(address: str) -> None:
    assert validate_address("XRP", address)


@pytest.mark.parametrize("address", XRP_INVALID)
def test_xrp_invalid_addresses(address: str) -> None:
    assert not validate_address("XRP", address)


def test_xrp_checks_payload_length_and_not_only_the_checksum() -> None:
    # Synthetic strings built with base58.b58encode_check(RIPPLE_ALPHABET) over version 0x00
    # plus N bytes 01..N: correct checksums, so only the account-ID length differs.
    ripple = base58.RIPPLE_ALPHABET
    assert validate_address(
        "XRP", "raLnyR4PTuc5SgXGHqYA894a4eoKqoFwu"
    )  # 20-byte account ID
    for wrong_length in (
        "rFNbmSWqJdBuP2dRGm3tDb6FV15",
        "rQXNxpZQ9mNdvMS2VKHz8Eva5ZqpLQbDz3",
    ):  # 16, 21 bytes
        assert base58.b58decode_check(wrong_length, alphabet=ripple)[0] == 0x00
        assert not validate_address("XRP", wrong_length)


# ======================================================================================
# TON
# Source: TON docs cookbook / "Address formats": the same account in raw and
# user-friendly forms (bounceable EQ..., non-bounceable UQ..., testnet kQ.../0Q...).
# ======================================================================================

TON_RAW = "0:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3e"
TON_BOUNCEABLE = "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHF"
TON_NON_BOUNCEABLE = "UQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPuwA"

TON_VALID = [
    TON_RAW,
    "0:" + TON_RAW[2:].upper(),  # docs: uppercase hex is allowed in raw form
    TON_BOUNCEABLE,
    TON_NON_BOUNCEABLE,
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff+W72r5gqPrHF",  # same, standard base64 alphabet
    # Elector contract on the masterchain (-1:3333...3333), shown in TON docs.
    "Ef8zMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM0vF",
    "-1:3333333333333333333333333333333333333333333333333333333333333333",
]

TON_INVALID = [
    "kQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPgpP",  # testnet bounceable (tag 0x91)
    "0QDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPleK",  # testnet non-bounceable (tag 0xd1)
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHG",  # checksum character changed
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqQrHF",  # one character changed
    "EQDKbjIcfM6ezt8KjKJjLshZJJSqX7XOA4ff-W72r5gqPrHF",  # one character's case changed
    "UQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHF",  # bounceable checksum, UQ tag
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrH",  # 47 characters
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHF=",  # 49 characters
    "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gq+rHF",  # '-' and '+' alphabets mixed
    "1:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3e",  # no workchain 1
    "0:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3",  # 63 hex digits
    "0:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3g",  # non-hex
    "ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3e",  # no workchain
    "",
]


@pytest.mark.parametrize("address", TON_VALID)
def test_ton_valid_addresses(address: str) -> None:
    assert validate_address("TON", address)


@pytest.mark.parametrize("address", TON_INVALID)
def test_ton_invalid_addresses(address: str) -> None:
    assert not validate_address("TON", address)


def test_ton_testnet_forms_are_rejected_because_of_the_flag_not_the_checksum() -> None:
    # Guards the intent of TON_INVALID's first two entries: their CRC is correct.
    for friendly in (
        "kQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPgpP",
        "0QDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPleK",
    ):
        data = base64.urlsafe_b64decode(friendly)
        assert data[0] & 0x80
        assert chains._crc16_xmodem(data[:34]) == int.from_bytes(data[34:], "big")
        assert data[2:34] == bytes.fromhex(TON_RAW[2:])


# ======================================================================================
# Stellar (StrKey)
# Source: SEP-0023 "Strkeys", test cases
# https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md
# ======================================================================================

XLM_ACCOUNT = (
    "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"  # SEP-0023 valid #1
)

# SEP-0023's invalid list, verbatim.
SEP23_INVALID = [
    "GAAAAAAAACGC6",
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR",
    "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA",
    "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI",
    "G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I",
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA",
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I",
    "M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ",
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===",
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO",
    "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IAAAAAAAAPM",
    "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4Z2PQ",
    "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DXFH6",
    "BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TV",
    "BAAT6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGXACA",
]

# SEP-0023 valid StrKeys that are not G... accounts: a deposit address must be an account.
SEP23_VALID_NON_ACCOUNT = [
    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ",  # muxed
    "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA",  # contract
    "LA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUPJN",  # liquidity pool
    "BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TU",  # claimable balance
]


def test_sep23_valid_account_is_accepted() -> None:
    assert validate_address("XLM", XLM_ACCOUNT)


@pytest.mark.parametrize("address", SEP23_INVALID)
def test_sep23_invalid_strkeys_are_rejected(address: str) -> None:
    assert not validate_address("XLM", address)


@pytest.mark.parametrize("address", SEP23_VALID_NON_ACCOUNT)
def test_sep23_non_account_strkeys_are_not_deposit_addresses(address: str) -> None:
    assert not validate_address("XLM", address)


@pytest.mark.parametrize(
    "address",
    [
        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGY",  # last character changed
        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVTGZ",  # one character changed
        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA5KVWLTJJFC7MGXUA74P7UJVSGZ",  # one character changed
        "ga7qynf7sowq3glr2bgmzehxavirza4kvwltjjfc7mgxua74p7ujvsgz",  # lowercase
        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSG",  # 55 characters
        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSG1",  # '1' is not base32
        "SA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ",  # secret-seed prefix
    ],
)
def test_xlm_corrupted_addresses_are_rejected(address: str) -> None:
    assert not validate_address("XLM", address)


# ======================================================================================
# Cosmos Hub (Bech32, HRP "cosmos")
# ======================================================================================

ATOM_VALID = [
    "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",  # Cosmos SDK test vector: bytes 0x01..0x14
    "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kn",  # x/gov module account
    "cosmos1jv65s3grqf6v6jl3dp4t6c9t9rk99cd88lyufl",  # x/distribution module account
    # wasmd's first instantiated contract address (32-byte program) under the cosmos HRP.
    "cosmos14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s4hmalr",
    "COSMOS1QYPQXPQ9QCRSSZG2PVXQ6RS0ZQG3YYC5LZV7XU",  # Bech32 allows all-uppercase
]

ATOM_INVALID = [
    "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xv",  # last character changed
    "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc6lzv7xu",  # one character changed
    "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kN",  # mixed case
    "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9k",  # truncated
    "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xub",  # extra character
    "osmo1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5helwsw",  # same bytes, Osmosis HRP (valid Bech32)
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # Bitcoin segwit
    "cosmos1gmk9yu",  # too short to hold any data
    "",
]


@pytest.mark.parametrize("address", ATOM_VALID)
def test_atom_valid_addresses(address: str) -> None:
    assert validate_address("ATOM", address)


@pytest.mark.parametrize("address", ATOM_INVALID)
def test_atom_invalid_addresses(address: str) -> None:
    assert not validate_address("ATOM", address)


def _bech32_encode(hrp: str, data: list[int], const: int) -> str:
    """Test-side encoder (BIP173/BIP350 reference algorithm) to build synthetic strings."""
    values = chains._bech32_hrp_expand(hrp) + data
    polymod = chains._bech32_polymod([*values, 0, 0, 0, 0, 0, 0]) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(chains._BECH32_CHARSET[v] for v in data + checksum)


def _to_5bit(program: bytes) -> list[int]:
    bits = "".join(f"{byte:08b}" for byte in program)
    bits += "0" * (-len(bits) % 5)
    return [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]


def test_test_encoder_reproduces_a_real_address() -> None:
    # Guards the helpers below: bytes 0x01..0x14 must give the Cosmos SDK vector.
    assert (
        _bech32_encode("cosmos", _to_5bit(bytes(range(1, 21))), chains._BECH32_CONST)
        == ATOM_VALID[0]
    )


def test_atom_rejects_bech32m_checksum_over_the_same_data() -> None:
    # Same HRP and data as a valid address, but a Bech32m checksum: the checksum variant
    # must be checked, not just "some" valid checksum.
    address = _bech32_encode(
        "cosmos", _to_5bit(bytes(range(1, 21))), chains._BECH32M_CONST
    )
    assert chains._bech32_decode(address) is not None  # a well-formed Bech32m string...
    assert not validate_address("ATOM", address)  # ...that Cosmos does not accept


@pytest.mark.parametrize("length", [1, 10, 19, 21, 31, 33, 40])
def test_atom_rejects_programs_that_are_not_20_or_32_bytes(length: int) -> None:
    address = _bech32_encode(
        "cosmos", _to_5bit(bytes(range(1, length + 1))), chains._BECH32_CONST
    )
    assert chains._bech32_decode(address) is not None  # checksum is fine
    assert not validate_address("ATOM", address)


# ======================================================================================
# EOS (account names)
# ======================================================================================


@pytest.mark.parametrize(
    "address",
    [
        "eosio",
        "eosio.token",
        "binancecleos",
        "huobideposit",
        "a",
        "1",
        "a.b.c",
        "zzzzzzzzzzzz",
    ],
)
def test_eos_valid_account_names(address: str) -> None:
    assert validate_address("EOS", address)


@pytest.mark.parametrize(
    "address",
    [
        "eosio.",  # ends with '.'
        ".",
        "EOSIO",  # uppercase
        "eosio6",  # 6 is not allowed
        "eosio0",  # 0 is not allowed
        "binancecleos1",  # 13 characters
        "eos io",
        "eosio-token",
        "",
    ],
)
def test_eos_invalid_account_names(address: str) -> None:
    assert not validate_address("EOS", address)


# ======================================================================================
# Exhaustive single-character substitutions: every checksummed valid vector, with each
# position replaced by a different character *of the same alphabet*, must be rejected.
# Without the checksum checks these strings would all pass (same alphabet and length).
# ======================================================================================

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_RIPPLE = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _substitutions(value: str, alphabet: str, start: int = 0) -> list[str]:
    """Each position from `start` replaced by the next character of `alphabet`."""
    out = []
    for i in range(start, len(value)):
        new = alphabet[(alphabet.index(value[i]) + 1) % len(alphabet)]
        out.append(value[:i] + new + value[i + 1 :])
    return out


def _segwit_substitutions(value: str) -> list[str]:
    # Only the data part: changing the HRP is covered by the wrong-HRP vectors. The
    # Bech32 alphabet is lowercase; all-uppercase vectors are mutated and re-uppercased.
    start = value.rfind("1") + 1
    if value.isupper():
        return [
            s.upper()
            for s in _substitutions(value.lower(), chains._BECH32_CHARSET, start)
        ]
    return _substitutions(value, chains._BECH32_CHARSET, start)


SUBSTITUTION_CASES: list[tuple[str, str]] = [
    *(("BTC", s) for a in BTC_BASE58_VALID for s in _substitutions(a, _B58)),
    *(("BTC", s) for a in BTC_SEGWIT_VALID for s in _segwit_substitutions(a)),
    *(
        ("LTC", s)
        for a in LTC_VALID
        if not a.lower().startswith("ltc1")
        for s in _substitutions(a, _B58)
    ),
    *(
        ("LTC", s)
        for a in LTC_VALID
        if a.lower().startswith("ltc1")
        for s in _segwit_substitutions(a)
    ),
    *(("DOGE", s) for a in DOGE_VALID for s in _substitutions(a, _B58)),
    *(("TRC20", s) for a in TRON_VALID for s in _substitutions(a, _B58)),
    *(("XRP", s) for a in XRP_VALID for s in _substitutions(a, _RIPPLE)),
    *(
        ("TON", s)
        for a in (TON_BOUNCEABLE, TON_NON_BOUNCEABLE)
        for s in _substitutions(a, _B64URL)
    ),
    *(("XLM", s) for s in _substitutions(XLM_ACCOUNT, _B32)),
    *(("ATOM", s) for a in ATOM_VALID for s in _segwit_substitutions(a)),
]


def test_substitution_cases_cover_every_checksummed_family() -> None:
    assert {code for code, _ in SUBSTITUTION_CASES} == {
        "BTC",
        "LTC",
        "DOGE",
        "TRC20",
        "XRP",
        "TON",
        "XLM",
        "ATOM",
    }
    assert len(SUBSTITUTION_CASES) > 1000


@pytest.mark.parametrize(("code", "address"), SUBSTITUTION_CASES)
def test_every_single_substitution_is_rejected(code: str, address: str) -> None:
    assert not validate_address(code, address)


@pytest.mark.parametrize("address", EIP55_NORMAL)
def test_every_single_case_flip_of_an_eip55_address_is_rejected(address: str) -> None:
    body = address[2:]
    flips = [
        body[:i] + body[i].swapcase() + body[i + 1 :]
        for i in range(40)
        if body[i].isalpha()
    ]
    assert flips
    for flipped in flips:
        assert not validate_address("ERC20", "0x" + flipped)


# ======================================================================================
# Transaction IDs
# ======================================================================================

HEX_TXID = (
    "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"  # BTC genesis tx
)
SOL_SIGNATURE = (  # Solana docs (getTransaction example)
    "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"
)
HEX_CODES = ["BTC", "LTC", "DOGE", "TRC20", "XRP", "XLM", "ATOM", "EOS", "TON"]


@pytest.mark.parametrize("code", HEX_CODES)
def test_hex_txids_are_valid_in_any_case(code: str) -> None:
    assert validate_txid(code, HEX_TXID)
    assert validate_txid(code, HEX_TXID.upper())


@pytest.mark.parametrize("code", HEX_CODES)
@pytest.mark.parametrize(
    "txid",
    [
        "0x" + HEX_TXID,  # 0x belongs to EVM chains only
        HEX_TXID[:-1],  # 63 digits
        HEX_TXID + "0",  # 65 digits
        HEX_TXID[:-1] + "g",  # non-hex
        HEX_TXID + " ",  # trailing whitespace
        HEX_TXID + "\n",  # trailing newline ($ in a regex would allow this)
        "",
    ],
)
def test_hex_txids_invalid(code: str, txid: str) -> None:
    assert not validate_txid(code, txid)


@pytest.mark.parametrize("code", EVM_CODES)
def test_evm_txids(code: str) -> None:
    assert validate_txid(code, "0x" + HEX_TXID)
    assert validate_txid(code, "0x" + HEX_TXID.upper())
    assert not validate_txid(code, HEX_TXID)  # missing 0x
    assert not validate_txid(code, "0X" + HEX_TXID)
    assert not validate_txid(code, "0x" + HEX_TXID[:-1])
    assert not validate_txid(code, "0x" + HEX_TXID + "0")
    assert not validate_txid(code, "0x" + HEX_TXID[:-1] + "z")


def test_solana_signatures() -> None:
    assert validate_txid("SOL", SOL_SIGNATURE)
    assert not validate_txid("SOL", SOL_SIGNATURE[:-1] + "0")  # '0' is not base58
    assert not validate_txid("SOL", SOL_SIGNATURE[:-10])  # too short to be 64 bytes
    assert not validate_txid("SOL", SOL_SIGNATURE + "z")  # too long
    assert not validate_txid(
        "SOL", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    )  # 32-byte address
    assert not validate_txid("SOL", HEX_TXID)  # hex decodes to the wrong length
    assert not validate_txid("SOL", "")


def test_ton_txids_in_hex_and_base64() -> None:
    digest = bytes.fromhex(HEX_TXID)
    standard = base64.b64encode(digest).decode()
    urlsafe = base64.urlsafe_b64encode(digest).decode()
    assert standard == "Sl4eS6q4nzoyUYqIwxvIf2GPdmc+LMd6shJ7ev3tozs="
    assert validate_txid("TON", standard)
    assert validate_txid("TON", urlsafe)
    assert not validate_txid("TON", standard[:-1])  # padding dropped: 43 characters
    assert not validate_txid("TON", standard[:-2] + "t=")  # non-zero unused bits
    assert not validate_txid(
        "TON", standard.replace("S", "_", 1)
    )  # '+' and '_' alphabets mixed
    assert not validate_txid("TON", "0x" + HEX_TXID)


def test_unknown_network_never_validates() -> None:
    assert not validate_txid("NOPE", HEX_TXID)
    assert not validate_address("NOPE", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert not validate_memo("NOPE", "123")
    assert not validate_address("", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")


def test_validators_accept_aliases_for_the_network() -> None:
    assert validate_address("ethereum", EIP55_NORMAL[0])
    assert validate_address("tron", TRON_VALID[0])
    assert validate_txid("bsc", "0x" + HEX_TXID)
    assert validate_memo("ripple", "12345")


# ======================================================================================
# Memos
# ======================================================================================


@pytest.mark.parametrize("memo", ["0", "1", "12345", "4294967295"])
def test_xrp_destination_tags_valid(memo: str) -> None:
    assert validate_memo("XRP", memo)


@pytest.mark.parametrize(
    "memo",
    [
        "4294967296",
        "99999999999",
        "-1",
        "012",
        "1.5",
        "12a",
        " 12",
        "12 ",
        "",
        "١٢٣",
        "+5",
    ],
)
def test_xrp_destination_tags_invalid(memo: str) -> None:
    assert not validate_memo("XRP", memo)


@pytest.mark.parametrize(
    "memo",
    [
        "123456",
        "18446744073709551615",  # max MEMO_ID (uint64)
        "a" * 28,  # MEMO_TEXT limit is 28 bytes
        "order 42",
        "é" * 14,  # 28 bytes of UTF-8
    ],
)
def test_xlm_memos_valid(memo: str) -> None:
    assert validate_memo("XLM", memo)


@pytest.mark.parametrize(
    "memo", ["a" * 29, "é" * 15, "", " ", "line\nbreak", " padded", "tab\there"]
)
def test_xlm_memos_invalid(memo: str) -> None:
    assert not validate_memo("XLM", memo)


@pytest.mark.parametrize("code", ["TON", "ATOM", "EOS"])
def test_text_memos(code: str) -> None:
    assert validate_memo(code, "104591823")
    assert validate_memo(code, "Deposit for account 7731")
    assert validate_memo(code, "x" * 256)
    assert validate_memo(code, "中文备注")
    assert not validate_memo(code, "x" * 257)
    assert not validate_memo(code, "")
    assert not validate_memo(code, "   ")
    assert not validate_memo(code, "memo\n")
    assert not validate_memo(code, "bell\x07")


@pytest.mark.parametrize(
    "code",
    [
        "BTC",
        "ERC20",
        "TRC20",
        "BEP20",
        "SOL",
        "LTC",
        "DOGE",
        "POLYGON",
        "ARBITRUM",
        "OPTIMISM",
        "AVAXC",
    ],
)
def test_networks_without_memo_reject_any_memo(code: str) -> None:
    assert NETWORKS[code].memo_label is None
    assert not validate_memo(code, "123")


# ======================================================================================
# Network registry, aliases, coin symbols
# ======================================================================================

ALL_CODES = [
    "BTC",
    "ERC20",
    "TRC20",
    "BEP20",
    "SOL",
    "XRP",
    "TON",
    "LTC",
    "DOGE",
    "POLYGON",
    "ARBITRUM",
    "OPTIMISM",
    "AVAXC",
    "XLM",
    "ATOM",
    "EOS",
]


def test_registry_shape() -> None:
    assert list(NETWORKS) == ALL_CODES
    families = {
        "bitcoin",
        "evm",
        "tron",
        "solana",
        "xrp",
        "ton",
        "stellar",
        "cosmos",
        "eos",
    }
    for code, network in NETWORKS.items():
        assert isinstance(network, Network)
        assert network.code == code
        assert network.family in families
        assert network.name
        assert "{txid}" in network.explorer_tx
        assert network.explorer_tx.startswith("https://")
        assert "{address}" in network.explorer_address
        assert network.explorer_address.startswith("https://")
    assert {code for code, n in NETWORKS.items() if n.family == "evm"} == set(EVM_CODES)


def test_memo_labels() -> None:
    assert NETWORKS["XRP"].memo_label == "Destination tag"
    for code in ("TON", "XLM", "ATOM", "EOS"):
        assert NETWORKS[code].memo_label == "Memo"
    assert [c for c, n in NETWORKS.items() if n.memo_label] == [
        "XRP",
        "TON",
        "XLM",
        "ATOM",
        "EOS",
    ]


def test_explorer_templates_format() -> None:
    network = NETWORKS["ERC20"]
    assert network.explorer_tx.format(txid="0xabc") == "https://etherscan.io/tx/0xabc"
    assert (
        network.explorer_address.format(address="0xdef")
        == "https://etherscan.io/address/0xdef"
    )


def test_network_is_frozen() -> None:
    with pytest.raises(AttributeError):
        NETWORKS["BTC"].code = "XBT"  # type: ignore[misc]


def test_network_choices_are_stable_and_complete() -> None:
    choices = network_choices()
    assert choices == [(code, NETWORKS[code].name) for code in ALL_CODES]
    assert choices == network_choices()
    assert choices[1] == ("ERC20", "Ethereum (ERC20)")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        *((code, code) for code in ALL_CODES),
        *((code.lower(), code) for code in ALL_CODES),
        ("ETH", "ERC20"),
        ("Ethereum", "ERC20"),
        ("erc-20", "ERC20"),
        ("ERC 20", "ERC20"),
        ("Ethereum (ERC20)", "ERC20"),
        ("TRON", "TRC20"),
        ("TRX", "TRC20"),
        ("trc-20", "TRC20"),
        ("BSC", "BEP20"),
        ("BNB Smart Chain", "BEP20"),
        ("bep-20", "BEP20"),
        ("Binance Smart Chain", "BEP20"),
        ("Bitcoin", "BTC"),
        ("Solana", "SOL"),
        ("Ripple", "XRP"),
        ("XRP Ledger", "XRP"),
        ("Toncoin", "TON"),
        ("Litecoin", "LTC"),
        ("Dogecoin", "DOGE"),
        ("MATIC", "POLYGON"),
        ("Polygon PoS", "POLYGON"),
        ("Arbitrum One", "ARBITRUM"),
        ("OP Mainnet", "OPTIMISM"),
        ("Avalanche C-Chain", "AVAXC"),
        ("AVAX-C", "AVAXC"),
        ("Stellar", "XLM"),
        ("Cosmos", "ATOM"),
        ("Cosmos Hub", "ATOM"),
        ("  eth  ", "ERC20"),
    ],
)
def test_get_network_aliases(value: str, code: str) -> None:
    network = get_network(value)
    assert network is not None
    assert network.code == code


@pytest.mark.parametrize(
    "value",
    ["", "   ", "-", "USDT", "BNB", "AVAX", "ETHEREUMM", "Bitcoin Cash", "OMNI"],
)
def test_get_network_unknown(value: str) -> None:
    assert get_network(value) is None


@pytest.mark.parametrize(
    "value", ["USDT", "btc", "1INCH", "Eth", "SHIB", "ab", "ABCDEFGHIJ", "USDC2"]
)
def test_coin_symbols_valid(value: str) -> None:
    assert is_coin_symbol(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "B",
        "ABCDEFGHIJK",
        "US DT",
        "USDT!",
        "US-DT",
        "123",
        "\uff35\uff33\uff24\uff34",  # fullwidth "USDT"
        "USDT\n",
        "币安",
    ],
)
def test_coin_symbols_invalid(value: str) -> None:
    assert not is_coin_symbol(value)


# ======================================================================================
# Primitives
# ======================================================================================


def test_crc16_xmodem_check_value() -> None:
    # The CRC catalogue's check value for CRC-16/XMODEM over ASCII "123456789".
    assert chains._crc16_xmodem(b"123456789") == 0x31C3
