#include "evaluate/numpy_compat.h"

namespace dynfault::evaluate {
namespace {

constexpr int64_t kSmallQuicksort = 15;  // numpy's SMALL_QUICKSORT (npysort_common.h)

int most_significant_bit(uint64_t n) {
  int depth = 0;
  while (n >>= 1) ++depth;
  return depth;
}

// numpy aheapsort_ (npysort/heapsort.cpp), 1-based indexing over tosort.
void argheapsort(const int64_t* v, int64_t* tosort, int64_t n) {
  int64_t* a = tosort - 1;
  int64_t i, j, l, tmp;
  for (l = n >> 1; l > 0; --l) {
    tmp = a[l];
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
      if (v[tmp] < v[a[j]]) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
  for (; n > 1;) {
    tmp = a[n];
    a[n] = a[1];
    n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && v[a[j]] < v[a[j + 1]]) j++;
      if (v[tmp] < v[a[j]]) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
}

}  // namespace

// numpy aquicksort_ (npysort/quicksort.cpp, numpy 1.24): median-of-3
// partitioning, insertion sort up to 16 elements, heapsort past 2*log2(n) depth.
std::vector<int64_t> numpy_argsort(const std::vector<int64_t>& values) {
  const int64_t num = static_cast<int64_t>(values.size());
  std::vector<int64_t> order(values.size());
  for (int64_t i = 0; i < num; ++i) order[i] = i;
  if (num < 2) return order;
  const int64_t* v = values.data();
  int64_t* pl = order.data();
  int64_t* pr = pl + num - 1;
  std::vector<int64_t*> stack;
  std::vector<int> depth_stack;
  int cdepth = most_significant_bit(static_cast<uint64_t>(num)) * 2;
  for (;;) {
    if (cdepth < 0) {
      argheapsort(v, pl, pr - pl + 1);
    } else {
      while ((pr - pl) > kSmallQuicksort) {
        int64_t* pm = pl + ((pr - pl) >> 1);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        if (v[*pr] < v[*pm]) std::swap(*pr, *pm);
        if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
        const int64_t vp = v[*pm];
        int64_t* pi = pl;
        int64_t* pj = pr - 1;
        std::swap(*pm, *pj);
        for (;;) {
          do ++pi;
          while (v[*pi] < vp);
          do --pj;
          while (vp < v[*pj]);
          if (pi >= pj) break;
          std::swap(*pi, *pj);
        }
        int64_t* pk = pr - 1;
        std::swap(*pi, *pk);
        // Push the larger partition, continue with the smaller.
        if (pi - pl < pr - pi) {
          stack.push_back(pi + 1);
          stack.push_back(pr);
          pr = pi - 1;
        } else {
          stack.push_back(pl);
          stack.push_back(pi - 1);
          pl = pi + 1;
        }
        depth_stack.push_back(--cdepth);
      }
      for (int64_t* pi = pl + 1; pi <= pr; ++pi) {
        const int64_t vi = *pi;
        const int64_t vp = v[vi];
        int64_t* pj = pi;
        int64_t* pk = pi - 1;
        while (pj > pl && vp < v[*pk]) *pj-- = *pk--;
        *pj = vi;
      }
    }
    if (stack.empty()) break;
    pr = stack.back();
    stack.pop_back();
    pl = stack.back();
    stack.pop_back();
    cdepth = depth_stack.back();
    depth_stack.pop_back();
  }
  return order;
}

uint64_t NumpyRandomState::random_interval(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  uint64_t value;
  if (max <= 0xffffffffULL) {
    while ((value = (static_cast<uint64_t>(mt_()) & mask)) > max) {
    }
  } else {
    // numpy's next_uint64 for MT19937: two 32-bit draws, high word first.
    auto next64 = [&] { return (static_cast<uint64_t>(mt_()) << 32) | static_cast<uint64_t>(mt_()); };
    while ((value = (next64() & mask)) > max) {
    }
  }
  return value;
}

}  // namespace dynfault::evaluate
