"""Anchors: each chain's head, written to a file kept outside the database (ADR 0015).

``ledger_verify --anchor FILE --append-anchor`` (nightly) appends one line to FILE after a
successful verification: a JSON record of every chain → [its last transaction id, that
transaction's hash], the time, and an HMAC under the ledger key. ``ledger_verify --anchor FILE``
reads it back: every line's signature must hold, and for each chain the transaction the latest
line recorded must still exist with the same hash in the same chain (or history was rewritten)
and the chain's head must not be behind it (or history was cut off). Someone who can change the
database, even with the key, cannot also change a file kept on another machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.utils import timezone

from linli.ledger.models import ChainHead, LedgerTransaction
from linli.ledger.seal import key_by_id, mac, signing_key
from linli.ledger.selectors import chain_of, legacy_until_id

VERSION = 1


def _signed_text(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "mac"}
    return "linli-anchor\n" + json.dumps(body, sort_keys=True, separators=(",", ":"))


def anchor_heads() -> dict[str, list]:
    """Every chain with transactions → [its last transaction's id, its hash]."""
    heads = dict(ChainHead.objects.values_list("name", "last_hash"))
    ids = dict(
        LedgerTransaction.objects.filter(hash__in=list(heads.values())).values_list("hash", "id")
    )
    return {name: [ids[h], h] for name, h in sorted(heads.items()) if h in ids}


def anchor_append(path: Path) -> dict:
    """Append the current heads to ``path`` (created when missing) as one signed line."""
    key = signing_key()
    record = {
        "v": VERSION,
        "created": timezone.now().isoformat(timespec="seconds"),
        "key": key.id,
        "heads": anchor_heads(),
    }
    record["mac"] = mac(key, _signed_text(record))
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(record, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return record


def _read(path: Path) -> tuple[list[dict], list[str]]:
    """The records whose signature holds, and a problem for each line that does not."""
    records, problems = [], []
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            heads = record["heads"]
            valid = isinstance(heads, dict) and all(
                isinstance(v, list) and len(v) == 2 and isinstance(v[0], int)
                for v in heads.values()
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid or not isinstance(record.get("key"), str):
            problems.append(f"anchor line {number}: not an anchor record")
            continue
        key = key_by_id(record["key"])
        if key is None:
            problems.append(
                f"anchor line {number}: signed by an unknown ledger key {record['key']} "
                "(is LINLI_LEDGER_KEYS complete?)"
            )
        elif record.get("mac") != mac(key, _signed_text(record)):
            problems.append(f"anchor line {number}: bad signature (the file was changed)")
        else:
            records.append(record)
    return records, problems


def anchor_problems(path: Path) -> list[str]:
    """Everything in the ledger that contradicts the anchor file (empty when it agrees)."""
    records, problems = _read(path)
    if not records and not problems:
        return [f"anchor {path}: holds no record"]
    latest: dict[str, tuple[int, str, str]] = {}
    for record in records:
        for chain, (tx_id, tx_hash) in record["heads"].items():
            latest[chain] = (tx_id, tx_hash, record.get("created", "?"))
    found = {
        row[0]: row
        for row in LedgerTransaction.objects.filter(
            id__in=[v[0] for v in latest.values()]
        ).values_list("id", "hash", "community_id")
    }
    heads = dict(ChainHead.objects.values_list("name", "last_hash"))
    head_ids = dict(
        LedgerTransaction.objects.filter(hash__in=list(heads.values())).values_list("hash", "id")
    )
    legacy_until = legacy_until_id()
    for chain, (tx_id, tx_hash, created) in sorted(latest.items()):
        where = f"anchor ({created}): chain {chain}, transaction {tx_id}"
        row = found.get(tx_id)
        if row is None:
            problems.append(f"{where} is gone: history was rewritten or cut off")
            continue
        if row[1] != tx_hash or chain_of(tx_id, row[2], legacy_until) != chain:
            problems.append(f"{where} no longer has the anchored hash: history was rewritten")
        head_id = head_ids.get(heads.get(chain, ""))
        if head_id is None or head_id < tx_id:
            problems.append(f"{where}: the chain's head is behind it: history was cut off")
    return problems
