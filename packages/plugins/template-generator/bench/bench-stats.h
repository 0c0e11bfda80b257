// Order statistics shared by the bench programs.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

// The q-quantile of the samples by nearest rank (index q (n - 1), rounded); NaN when there are none.
template <typename T>
T quantile(std::vector<T> v, double q) {
  if (v.empty()) return T(NAN);
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * double(v.size() - 1) + 0.5)];
}

// The upper median: quantile 0.5, the middle sample of an odd count, the upper of the two middle ones otherwise.
template <typename T>
T median(const std::vector<T>& v) {
  return quantile(v, 0.5);
}
