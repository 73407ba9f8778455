"""Submissions used across tests and benchmarks (no Django needed to import)."""

from __future__ import annotations

TWO_SUM_OK = """
class Solution:
    def twoSum(self, nums, target):
        seen = {}
        for j, v in enumerate(nums):
            if target - v in seen:
                return [seen[target - v], j]
            seen[v] = j
"""
TWO_SUM_WRONG = """
class Solution:
    def twoSum(self, nums, target):
        return [0, 1]
"""
TWO_SUM_SYNTAX = "class Solution:\n    def twoSum(self, nums, target)\n        return []\n"
# Correct, and prints on stdout and stderr (runs show both).
TWO_SUM_PRINTS = """import sys
class Solution:
    def twoSum(self, nums, target):
        print("looking at", nums, "for", target)
        print("debug line", file=sys.stderr)
        seen = {}
        for j, v in enumerate(nums):
            if target - v in seen:
                return [seen[target - v], j]
            seen[v] = j
"""
