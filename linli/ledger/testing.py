"""The invariant every ledger test asserts after it acts."""

from linli.ledger.selectors import latest_checkpoint, ledger_problems


def assert_ledger_consistent() -> None:
    """Cached balances equal their postings, transactions balance, the chains verify — in full,
    and (when there is a checkpoint) the way ``ledger_verify`` checks by default too."""
    problems = ledger_problems(full=True)
    if latest_checkpoint() is not None:
        problems += ledger_problems()
    assert not problems, "\n".join(problems)
