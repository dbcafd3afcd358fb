#pragma once
// The plain C interface of libdynfault_forest.so, the only code that calls
// OpenCV (cv::ml::RTrees). The dynfault binary dlopen()s the library on the
// first random-forest fit (evaluate/random_forest.cpp), so commands that fit no
// forest never load OpenCV's ~22 shared libraries (start-time target, bench/startup.sh).
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DYNFAULT_FOREST_ABI 1

// One classification tree: cv::ml::RTrees with exactly one tree (TermCriteria
// MAX_ITER = 1, no OOB early stop), bootstrap sample and per-split feature
// subsets drawn from cv::theRNG() after setting its state to `seed`.
struct DynfaultTreeSpec {
  int32_t max_depth;          // OpenCV caps it at 25
  int32_t max_features;       // features tried per split (setActiveVarCount)
  int32_t min_samples_split;  // setMinSampleCount: nodes of <= this many samples are not split
  uint64_t seed;
};

// Fits one tree on the n_train x d row-major float32 samples with class codes
// y_train (0..n_classes-1) and writes the predicted class of each of the n_test
// rows of X_test. Returns 0, or -1 with a message in error (error_size bytes).
typedef int (*DynfaultTreePredictFn)(const struct DynfaultTreeSpec* spec, const float* X_train, const int32_t* y_train,
                                     int32_t n_train, int32_t d, const float* X_test, int32_t n_test,
                                     int32_t* predicted, char* error, int32_t error_size);

struct DynfaultForestLibrary {
  int32_t abi;  // DYNFAULT_FOREST_ABI
  const char* opencv_version;
  DynfaultTreePredictFn tree_predict;
};

const struct DynfaultForestLibrary* dynfault_forest_library(void);

#ifdef __cplusplus
}
#endif
