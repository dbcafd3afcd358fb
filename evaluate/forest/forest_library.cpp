// libdynfault_forest.so: one OpenCV RTrees tree per call (forest_abi.h).
#include <cstring>
#include <exception>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/ml.hpp>

#include "evaluate/forest/forest_abi.h"

namespace {

void write_error(char* error, int32_t size, const std::string& message) {
  if (!error || size <= 0) return;
  std::strncpy(error, message.c_str(), static_cast<size_t>(size) - 1);
  error[size - 1] = '\0';
}

int tree_predict(const DynfaultTreeSpec* spec, const float* X_train, const int32_t* y_train, int32_t n_train, int32_t d,
                 const float* X_test, int32_t n_test, int32_t* predicted, char* error, int32_t error_size) {
  try {
    // cv::Mat headers over the caller's buffers: no copies.
    const cv::Mat X(n_train, d, CV_32F, const_cast<float*>(X_train));
    const cv::Mat y(n_train, 1, CV_32S, const_cast<int32_t*>(y_train));
    cv::Mat var_type(d + 1, 1, CV_8U, cv::Scalar(cv::ml::VAR_ORDERED));
    var_type.at<uchar>(d) = cv::ml::VAR_CATEGORICAL;  // classification, not regression
    const auto data = cv::ml::TrainData::create(X, cv::ml::ROW_SAMPLE, y, cv::noArray(), cv::noArray(),
                                                cv::noArray(), var_type);
    auto model = cv::ml::RTrees::create();
    model->setMaxDepth(spec->max_depth);
    model->setMinSampleCount(spec->min_samples_split);
    model->setActiveVarCount(spec->max_features);
    model->setCVFolds(0);  // no cost-complexity pruning (sklearn's ccp_alpha = 0)
    model->setUse1SERule(false);
    model->setTruncatePrunedTree(false);
    model->setUseSurrogates(false);
    model->setRegressionAccuracy(0);
    model->setCalculateVarImportance(false);
    model->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER, 1, 0));
    cv::theRNG().state = spec->seed ? spec->seed : 1;  // OpenCV's RNG turns state 0 into a fixed constant
    if (!model->train(data)) {
      write_error(error, error_size, "RTrees::train failed");
      return -1;
    }
    const cv::Mat T(n_test, d, CV_32F, const_cast<float*>(X_test));
    cv::Mat out;
    model->predict(T, out);
    for (int32_t i = 0; i < n_test; ++i) predicted[i] = static_cast<int32_t>(cvRound(out.at<float>(i)));
    return 0;
  } catch (const std::exception& e) {
    write_error(error, error_size, e.what());
    return -1;
  }
}

}  // namespace

extern "C" const DynfaultForestLibrary* dynfault_forest_library(void) {
  static const DynfaultForestLibrary library = {DYNFAULT_FOREST_ABI, CV_VERSION, &tree_predict};
  return &library;
}
