"""The business registration number (사업자등록번호) as every feed writes it: 10 digits, printed XXX-XX-XXXXX,
whose last digit checks the first nine (weights 1,3,7,1,3,7,1,3,5, plus the ninth digit times 5 over 10).

Part of the contract, so the parsers verify numbers and the sample-feed generator makes valid ones by the
same rule.
"""
from __future__ import annotations

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def brn_check_digit(first_nine: str) -> int:
    """Check digit of a Korean business registration number from its first nine digits."""
    digits = [int(ch) for ch in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def format_brn(digits: str) -> str:
    """XXX-XX-XXXXX, the way the number is printed."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
