"""Entities in messages, with the networks' own published addresses and hashes as input."""

from __future__ import annotations

import pytest

from beacon.triage.entities import Entity, extract_entities, is_chinese_id_number

# EIP-55 "normal" test case; BIP173 P2WPKH; TRON docs; XRP genesis; SPL token program; SEP-0023;
# Cosmos SDK test vector; TON docs; Litecoin and Dogecoin key_io vectors; BIP350 Taproot.
EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BTC_SEGWIT = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
BTC_P2PKH = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
TRON = "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"
XRP = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
SOL = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
XLM = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
ATOM = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
TON = "EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHF"
LTC = "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA"
DOGE = "DEQU7G2Chw4r1gSKZt2GfKBpGbkbQSwp3S"
BTC_GENESIS_TX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
EVM_TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
SOL_SIGNATURE = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"


def only(text: str, kind: str) -> list[Entity]:
    return [e for e in extract_entities(text) if e.kind == kind]


@pytest.mark.parametrize(
    ("address", "network", "url"),
    [
        (BTC_SEGWIT, "BTC", f"https://mempool.space/address/{BTC_SEGWIT}"),
        (BTC_TAPROOT, "BTC", f"https://mempool.space/address/{BTC_TAPROOT}"),
        (TRON, "TRC20", f"https://tronscan.org/#/address/{TRON}"),
        (XRP, "XRP", f"https://livenet.xrpl.org/accounts/{XRP}"),
        (SOL, "SOL", f"https://solscan.io/account/{SOL}"),
        (XLM, "XLM", f"https://stellar.expert/explorer/public/account/{XLM}"),
        (ATOM, "ATOM", f"https://www.mintscan.io/cosmos/address/{ATOM}"),
        (TON, "TON", f"https://tonviewer.com/{TON}"),
        (LTC, "LTC", f"https://blockchair.com/litecoin/address/{LTC}"),
        (DOGE, "DOGE", f"https://blockchair.com/dogecoin/address/{DOGE}"),
        (EIP55, "ERC20", f"https://etherscan.io/address/{EIP55}"),
    ],
)
def test_addresses_of_every_network_are_found_with_explorer_links(
    address: str, network: str, url: str
) -> None:
    [entity] = only(f"please check {address}, thanks", "address")

    assert entity.value == address
    assert entity.network == network
    assert entity.url == url


def test_the_named_network_decides_for_shared_formats() -> None:
    [address] = only(f"USDT BEP20 to {EIP55}", "address")
    [tx] = only(f"TRC20 提币 TxID: {BTC_GENESIS_TX}", "txid")

    assert address.network == "BEP20" and "ERC20" in address.networks
    assert address.url == f"https://bscscan.com/address/{EIP55}"
    assert tx.network == "TRC20"
    assert tx.url == f"https://tronscan.org/#/transaction/{BTC_GENESIS_TX}"


def test_a_bare_hex_txid_without_a_network_gets_no_link() -> None:
    [tx] = only(f"hash {BTC_GENESIS_TX}", "txid")

    assert tx.url == "" and "BTC" in tx.networks and "TRC20" in tx.networks


def test_evm_and_solana_transaction_hashes() -> None:
    [evm] = only(f"tx {EVM_TX}", "txid")
    [sol] = only(f"Solana signature {SOL_SIGNATURE}", "txid")

    assert evm.url == f"https://etherscan.io/tx/{EVM_TX}"
    assert sol.url == f"https://solscan.io/tx/{SOL_SIGNATURE}"


@pytest.mark.parametrize(
    "corrupted",
    [
        BTC_SEGWIT[:-1] + "5",  # BIP173: invalid checksum
        TRON[:-1] + "M",
        XRP[:-1] + "i",
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # EIP-55 case changed
        LTC[:-1] + "B",
        XLM[:-1] + "A",
    ],
)
def test_addresses_failing_their_checksum_are_not_reported(corrupted: str) -> None:
    assert only(f"send to {corrupted}", "address") == []


def test_xrp_destination_tags_and_memos() -> None:
    xrp = extract_entities(f"XRP to {XRP} destination tag: 123456")
    xlm = extract_entities(f"Stellar {XLM} memo: 889900")

    assert [(e.kind, e.value) for e in xrp if e.kind == "destination_tag"] == [
        ("destination_tag", "123456")
    ]
    assert [(e.value, e.networks) for e in xlm if e.kind == "memo"] == [
        ("889900", ("XLM",))
    ]
    assert only("tag 99999999999", "destination_tag") == []  # above UInt32


@pytest.mark.parametrize(
    ("text", "networks"),
    [
        ("USDT TRC20", ["TRC20"]),
        ("USDT trc-20 and ERC20", ["TRC20", "ERC20"]),
        ("走的波场", ["TRC20"]),
        ("以太坊网络", ["ERC20"]),
        ("币安智能链 BSC", ["BEP20", "BEP20"]),
        ("on Solana", ["SOL"]),
    ],
)
def test_networks_in_english_and_chinese(text: str, networks: list[str]) -> None:
    assert [e.value for e in only(text, "network")] == networks


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("sent 1,500.5 USDT", [("1500.5", "USDT")]),
        ("0.25 btc and 3 ETH", [("0.25", "BTC"), ("3", "ETH")]),
        ("提了100U", [("100", "USDT")]),
        ("价值 ¥500 / 5000元 / $20", [("500", "CNY"), ("5000", "CNY"), ("20", "USD")]),
        ("2 比特币", [("2", "BTC")]),
    ],
)
def test_amounts_with_currency(text: str, amounts: list[tuple[str, str]]) -> None:
    assert [(e.value, e.currency) for e in only(text, "amount")] == amounts


def test_coins_are_found_but_english_words_are_not_tickers() -> None:
    coins = [e.value for e in only("USDT and eth, SOL, 狗狗币", "coin")]

    assert coins == ["USDT", "ETH", "SOL", "DOGE"]
    assert only("I sold my op shares to link them", "coin") == []


def test_order_ids_uids_emails_and_phones() -> None:
    text = (
        "Order ID: 20250101ABC9, UID 12345678, 订单号：88812345, "
        "mail bob.li+x@example.com, call +86 138 1234 5678 or 13912345678"
    )

    found = [(e.kind, e.value) for e in extract_entities(text)]

    assert ("order_id", "20250101ABC9") in found
    assert ("order_id", "88812345") in found
    assert ("uid", "12345678") in found
    assert ("email", "bob.li+x@example.com") in found
    assert ("phone", "+86 138 1234 5678") in found
    assert ("phone", "13912345678") in found


def test_digits_inside_hashes_are_not_phones_or_ids() -> None:
    kinds = {e.kind for e in extract_entities(f"tx {EVM_TX} and {BTC_GENESIS_TX}")}

    assert kinds == {"txid"}


# GB 11643-1999's published example, and one whose check character was worked out by hand.
@pytest.mark.parametrize("number", ["11010519491231002X", "440524198001010013"])
def test_chinese_id_numbers_with_a_valid_check_character(number: str) -> None:
    assert is_chinese_id_number(number)
    assert only(f"身份证号 {number}", "id_number")[0].value == number


@pytest.mark.parametrize(
    "number",
    ["110105194912310021", "11010519491331002X", "1101051949123100"],
)
def test_chinese_id_numbers_failing_the_check_are_ignored(number: str) -> None:
    assert not is_chinese_id_number(number)


def test_passport_numbers_in_context() -> None:
    assert only("passport no. E12345678", "passport")[0].value == "E12345678"
    assert only("护照号码：G98765432", "passport")[0].value == "G98765432"
    assert only("E12345678", "passport") == []


def test_empty_text() -> None:
    assert extract_entities("") == []
