"""The login limiter on its own clock: per account and per address, a success clears only its
account, and the lock doubles with each failure so that a slow guesser gets few tries a day."""

from __future__ import annotations

from strainwatch.web.login_limit import (
    ACCOUNT_ALLOWANCE,
    ADDRESS_ALLOWANCE,
    BASE_LOCK_S,
    FORGET_S,
    MAX_LOCK_S,
    LoginLimiter,
)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_issues_scenario_locks_the_guessed_account_at_the_sixth_wrong_try() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    answers = []
    for _ in range(4):
        answers.append(limiter.wait_s("ann", "10.0.0.9") == 0)
        limiter.failed("ann", "10.0.0.9")
    limiter.succeeded("mallory")  # the guesser's own valid login, from the same address
    for _ in range(5):
        allowed = limiter.wait_s("ann", "10.0.0.9") == 0
        answers.append(allowed)
        if allowed:
            limiter.failed("ann", "10.0.0.9")
    assert answers == [True] * 5 + [False] * 4  # wrong tries 1-5 heard, the 6th refused
    assert limiter.wait_s("ann", "10.0.0.77") == BASE_LOCK_S  # from any address
    assert limiter.wait_s("mallory", "10.0.0.1") == 0  # other accounts elsewhere are untouched


def test_a_success_clears_its_account_but_not_the_address() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    for _ in range(ACCOUNT_ALLOWANCE - 1):
        limiter.failed("ann", "10.0.0.9")
    limiter.succeeded("ann")
    for _ in range(ACCOUNT_ALLOWANCE - 1):
        limiter.failed("ann", "10.0.0.9")
    assert limiter.wait_s("ann", "10.0.0.9") == 0  # the owner's typos were forgiven
    for i in range(ADDRESS_ALLOWANCE - 2 * (ACCOUNT_ALLOWANCE - 1)):
        assert limiter.wait_s(f"name{i}", "10.0.0.9") == 0
        limiter.failed(f"name{i}", "10.0.0.9")
    assert limiter.wait_s("bob", "10.0.0.9") == BASE_LOCK_S  # the address spent its allowance
    assert limiter.wait_s("bob", "10.0.0.10") == 0


def test_a_slow_guesser_waits_longer_and_longer() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    tries, start = 0, clock.t
    while clock.t - start < 24 * 3600:
        wait = limiter.wait_s("ann", f"10.0.{tries}.1")  # a new address each time
        if wait > 0:
            clock.t += wait
            continue
        limiter.failed("ann", f"10.0.{tries}.1")
        tries += 1
    assert ACCOUNT_ALLOWANCE + 5 <= tries <= ACCOUNT_ALLOWANCE + 8  # 15 min, 30, 1 h, 2 h, 4 h, 8 h …
    limiter.failed("ann", "10.1.0.1")
    assert limiter.wait_s("ann", "10.1.0.2") == MAX_LOCK_S  # never more than a day


def test_counts_are_forgotten_a_day_after_the_last_failure() -> None:
    clock = Clock()
    limiter = LoginLimiter(clock)
    for _ in range(ACCOUNT_ALLOWANCE):
        limiter.failed("ann", "10.0.0.9")
    clock.t += FORGET_S + 1
    for _ in range(ACCOUNT_ALLOWANCE - 1):
        assert limiter.wait_s("ann", "10.0.0.9") == 0
        limiter.failed("ann", "10.0.0.9")
    assert limiter.wait_s("ann", "10.0.0.9") == 0


def test_a_flood_of_names_stays_bounded() -> None:
    from strainwatch.web import login_limit

    clock = Clock()
    limiter = LoginLimiter(clock)
    for i in range(login_limit.MAX_KEYS * 2):
        limiter.failed(f"n{i}", f"a{i}")
    assert len(limiter._counts) <= login_limit.MAX_KEYS
