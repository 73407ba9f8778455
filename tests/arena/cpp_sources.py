"""C++17 submissions used by the language tests (no Django needed to import)."""

from __future__ import annotations

TWO_SUM_CPP = """
class Solution {
public:
    vector<long long> twoSum(vector<long long>& nums, long long target) {
        unordered_map<long long, long long> seen;
        for (long long j = 0; j < (long long)nums.size(); j++) {
            auto it = seen.find(target - nums[j]);
            if (it != seen.end()) return {it->second, j};
            seen[nums[j]] = j;
        }
        return {};
    }
};
"""
TWO_SUM_CPP_WRONG = """
class Solution {
public:
    vector<long long> twoSum(vector<long long>& nums, long long target) {
        return {0, 1};
    }
};
"""
TWO_SUM_CPP_BROKEN = "class Solution { public: vector<long long> twoSum( };\n"
