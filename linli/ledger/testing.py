"""The invariant every ledger test asserts after it acts."""

from linli.ledger.selectors import ledger_problems


def assert_ledger_consistent() -> None:
    """Cached balances equal their postings, transactions balance, the chain verifies."""
    problems = ledger_problems()
    assert not problems, "\n".join(problems)
