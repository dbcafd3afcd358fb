#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "core/error.h"
#include "core/program_spec.h"
#include "core/seed.h"
#include "programs/data/program_data.h"

using namespace dynfault;

namespace {

const std::string kZoo = std::string(DYNFAULT_SOURCE_DIR) + "/programs";
const std::string kReference = std::string(DYNFAULT_SOURCE_DIR) + "/../shared/reference/programs.json";

ProgramSpec spec_of(const std::string& json_text) { return program_from_json(Json::parse(json_text), "recipe.json"); }

// A minimal spec around a data recipe.
ProgramSpec recipe(const Json& input_shape, const Json& data, int sequence_axis = -1) {
  Json j = {{"id", "t"},
            {"architecture", "FFNN"},
            {"input_shape", input_shape},
            {"data", data},
            {"layers", Json::array({{{"type", "Dense"}, {"units", 1}}})},
            {"loss", "mse"},
            {"optimizer", {{"name", "sgd"}, {"learning_rate", 0.1}}},
            {"epochs", 2},
            {"batch_size", 4}};
  if (sequence_axis >= 0) j["sequence_axis"] = sequence_axis;
  return program_from_json(j, "recipe.json");
}

std::string error_of(const ProgramSpec& spec) {
  try {
    generate_data(spec, 1);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

float at(const Tensor& t, std::initializer_list<int64_t> index) {
  int64_t flat = 0, k = 0;
  for (int64_t i : index) flat = flat * t.shape[k++] + i;
  return t.values[flat];
}

bool is_integer(float v) { return std::floor(v) == v; }

// Units of the model output: the last layer with units/filters (through TimeDistributed).
int64_t output_units(const ProgramSpec& p) {
  for (auto it = p.layers.rbegin(); it != p.layers.rend(); ++it) {
    Json cfg = it->config;
    if (it->type == "TimeDistributed") cfg = cfg["layer"];
    if (cfg.contains("units")) return cfg["units"].get<int64_t>();
    if (cfg.contains("filters")) return cfg["filters"].get<int64_t>();
  }
  return -1;
}

// The targets a spec's data produce fit its loss and output layer.
void expect_targets_fit_model(const ProgramSpec& p, const DataSplit& s) {
  const int64_t units = output_units(p);
  ASSERT_GT(units, 0) << p.id;
  if (p.loss.name == "sparse_categorical_crossentropy") {
    for (float v : s.y.values) {
      ASSERT_TRUE(is_integer(v) && v >= 0 && v < units) << p.id << ": sparse label " << v << " for " << units << " units";
    }
  } else {
    ASSERT_GE(s.y.shape.size(), 2u) << p.id;
    EXPECT_EQ(s.y.shape.back(), units) << p.id << ": target rows end in " << s.y.shape.back();
  }
  if (p.loss.name == "categorical_crossentropy") {  // one-hot rows sum to 1
    const int64_t k = s.y.shape.back();
    for (size_t r = 0; r < s.y.values.size(); r += k) {
      float sum = 0;
      for (int64_t c = 0; c < k; ++c) {
        const float v = s.y.values[r + c];
        ASSERT_TRUE(v == 0.0f || v == 1.0f) << p.id;
        sum += v;
      }
      if (p.id != "66907936") { ASSERT_EQ(sum, 1.0f) << p.id; }  // 66907936: multi-hot targets, as the original
    }
  }
  if (p.loss.name == "binary_crossentropy" && p.id != "67727890") {  // 67727890: continuous targets, as the original
    for (float v : s.y.values) ASSERT_TRUE(v == 0.0f || v == 1.0f) << p.id;
  }
}

void expect_shapes(const ProgramSpec& p, const ProgramData& d) {
  const auto n_train = p.data["n_train"].get<int64_t>(), n_val = p.data["n_val"].get<int64_t>();
  std::vector<int64_t> xs = {n_train};
  xs.insert(xs.end(), p.input_shape.begin(), p.input_shape.end());
  EXPECT_EQ(d.train.x.shape, xs) << p.id;
  xs[0] = n_val;
  EXPECT_EQ(d.val.x.shape, xs) << p.id;
  EXPECT_EQ(d.train.y.rows(), n_train) << p.id;
  EXPECT_EQ(d.val.y.rows(), n_val) << p.id;
  EXPECT_EQ(static_cast<int64_t>(d.train.x.values.size()), n_train * d.train.x.row_size()) << p.id;
  EXPECT_EQ(static_cast<int64_t>(d.train.y.values.size()), n_train * d.train.y.row_size()) << p.id;
}

}  // namespace

// ---------------------------------------------------------------- the zoo

TEST(ProgramZooSpecs, EverySpecLoadsScalesAndGeneratesAtSmoke) {
  const ProgramZoo zoo(kZoo);
  const auto ids = zoo.ids();
  ASSERT_FALSE(ids.empty());
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    const ProgramSpec full = zoo.load(id);
    EXPECT_EQ(full.id, id);
    EXPECT_EQ(apply_scale(full, Scale::Full), full);
    for (Scale s : {Scale::Reduced, Scale::Smoke}) {
      const ProgramSpec scaled = apply_scale(full, s);
      const ScaleCaps caps = caps_for(s);
      EXPECT_LE(scaled.data["n_train"].get<long>(), caps.max_train);
      EXPECT_LE(scaled.data["n_val"].get<long>(), caps.max_val);
      if (full.sequence_axis >= 0) { EXPECT_LE(scaled.input_shape[full.sequence_axis], caps.max_sequence); }
      if (caps.max_epochs > 0) { EXPECT_LE(scaled.epochs, caps.max_epochs); }
      // A scaled spec is still a valid spec.
      EXPECT_EQ(program_from_json(to_json(scaled), "scaled.json"), scaled);
    }
    const ProgramSpec smoke = apply_scale(full, Scale::Smoke);
    const ProgramData d = generate_data(smoke, 7);
    expect_shapes(smoke, d);
    expect_targets_fit_model(smoke, d.train);
    expect_targets_fit_model(smoke, d.val);
  }
}

TEST(ProgramZooSpecs, SmallProgramsGenerateAtFullScale) {
  // Full scale for every program whose data is small: sample counts of windowed and
  // split recipes come out exactly as the originals'.
  const ProgramZoo zoo(kZoo);
  int checked = 0;
  for (const auto& id : zoo.ids()) {
    const ProgramSpec p = zoo.load(id);
    int64_t row = 1;
    for (auto d : p.input_shape) row *= d;
    const int64_t elements = (p.data["n_train"].get<int64_t>() + p.data["n_val"].get<int64_t>()) * row;
    if (elements > 300000) continue;
    SCOPED_TRACE(id);
    const ProgramData d = generate_data(p, 3);
    expect_shapes(p, d);
    expect_targets_fit_model(p, d.train);
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// ---------------------------------------------------------------- determinism

TEST(Dataset, SameSeedSameBitsDifferentSeedDifferentData) {
  const ProgramZoo zoo(kZoo);
  for (const std::string id : {"64634468", "50481178", "67649606", "34311586", "68716219", "71251340"}) {
    SCOPED_TRACE(id);
    const ProgramSpec p = apply_scale(zoo.load(id), Scale::Smoke);
    const ProgramData a = generate_data(p, 42), b = generate_data(p, 42), c = generate_data(p, 43);
    EXPECT_EQ(a, b);
    EXPECT_NE(a.train.x.values, c.train.x.values);
  }
}

TEST(Dataset, GoldenFirstValuesAreStable) {
  // Pins the generator bits: a change to the RNG transforms changes every campaign's data.
  const ProgramSpec p = recipe({3}, {{"n_train", 2}, {"n_val", 1}, {"x", {{"kind", "uniform"}}},
                                     {"y", {{"kind", "normal"}, {"shape", {1}}}}});
  const ProgramData a = generate_data(p, 0);
  const ProgramData b = generate_data(p, 0);
  EXPECT_EQ(a, b);
  for (float v : a.train.x.values) EXPECT_TRUE(v >= 0.0f && v < 1.0f);
  // Uniform draws are (bits >> 11) * 2^-53 of mt19937_64 seeded with derive_seed(0, "data/train/x").
  std::mt19937_64 engine(derive_seed(0, "data/train/x"));
  EXPECT_EQ(a.train.x.values[0], static_cast<float>(static_cast<double>(engine() >> 11) * 0x1.0p-53));
  EXPECT_EQ(a.train.x.values[1], static_cast<float>(static_cast<double>(engine() >> 11) * 0x1.0p-53));
}

// ---------------------------------------------------------------- hand-checked recipes

TEST(Dataset, XorLabelsAreXorOfInputs) {
  const ProgramData d = generate_data(ProgramZoo(kZoo).load("31556268"), 5);
  ASSERT_EQ(d.train.y.shape, (std::vector<int64_t>{100, 1}));
  int ones = 0;
  for (int64_t i = 0; i < 100; ++i) {
    const int a = static_cast<int>(at(d.train.x, {i, 0})), b = static_cast<int>(at(d.train.x, {i, 1}));
    ASSERT_TRUE((a == 0 || a == 1) && (b == 0 || b == 1));
    EXPECT_EQ(at(d.train.y, {i, 0}), static_cast<float>(a ^ b));
    ones += a ^ b;
  }
  EXPECT_GT(ones, 20);
  EXPECT_LT(ones, 80);
}

TEST(Dataset, SignProductAndSumThresholdRules) {
  const ProgramZoo zoo(kZoo);
  const ProgramData s = generate_data(apply_scale(zoo.load("34311586"), Scale::Smoke), 2);
  for (int64_t i = 0; i < s.train.x.rows(); ++i) {
    EXPECT_EQ(at(s.train.y, {i, 0}), at(s.train.x, {i, 0}) * at(s.train.x, {i, 1}) > 0 ? 1.0f : 0.0f);
    EXPECT_GE(at(s.train.x, {i, 0}), -1.0f);
    EXPECT_LT(at(s.train.x, {i, 0}), 1.0f);
  }
  // 64151679: one-hot of sum(x) > 0.
  const ProgramData t = generate_data(apply_scale(zoo.load("64151679"), Scale::Smoke), 2);
  for (int64_t i = 0; i < t.train.x.rows(); ++i) {
    double sum = 0;
    for (int64_t f = 0; f < 12; ++f) sum += at(t.train.x, {i, f});
    EXPECT_EQ(at(t.train.y, {i, 1}), sum > 0 ? 1.0f : 0.0f);
    EXPECT_EQ(at(t.train.y, {i, 0}) + at(t.train.y, {i, 1}), 1.0f);
  }
  // 72328867: sum > 0.5 per element, also when the length is capped.
  const ProgramSpec capped = apply_scale(zoo.load("72328867"), Scale::Smoke);
  ASSERT_EQ(capped.input_shape, (std::vector<int64_t>{16, 1}));
  const ProgramData u = generate_data(capped, 2);
  int positives = 0;
  for (int64_t i = 0; i < u.train.x.rows(); ++i) {
    double sum = 0;
    for (int64_t f = 0; f < 16; ++f) sum += at(u.train.x, {i, f, 0});
    EXPECT_EQ(at(u.train.y, {i, 0}), sum > 8.0 ? 1.0f : 0.0f);
    positives += sum > 8.0;
  }
  EXPECT_GT(positives, 10);
  EXPECT_LT(positives, 54);
}

TEST(Dataset, ClassLabelsOneHotAndRanges) {
  const ProgramZoo zoo(kZoo);
  const ProgramData d = generate_data(apply_scale(zoo.load("68323793"), Scale::Smoke), 1);  // per-step one-hot (16 x 12)
  ASSERT_EQ(d.train.y.shape, (std::vector<int64_t>{64, 16, 12}));
  std::set<int> seen;
  for (int64_t i = 0; i < 64; ++i)
    for (int64_t s = 0; s < 16; ++s) {
      float sum = 0;
      for (int64_t c = 0; c < 12; ++c) {
        sum += at(d.train.y, {i, s, c});
        if (at(d.train.y, {i, s, c}) == 1.0f) seen.insert(static_cast<int>(c));
      }
      EXPECT_EQ(sum, 1.0f);
    }
  EXPECT_EQ(seen.size(), 12u);
  const ProgramData e = generate_data(apply_scale(zoo.load("64522751"), Scale::Smoke), 1);  // sparse, 10 classes
  ASSERT_EQ(e.train.y.shape, (std::vector<int64_t>{64}));
  std::set<float> labels(e.train.y.values.begin(), e.train.y.values.end());
  EXPECT_GE(labels.size(), 8u);
  EXPECT_GE(*labels.begin(), 0.0f);
  EXPECT_LE(*labels.rbegin(), 9.0f);
  for (float v : e.train.x.values) EXPECT_TRUE(v >= 0.0f && v < 1.0f / 255.0f + 1e-7f);  // uniform / 255
}

TEST(Dataset, HardCodedArraysAreReproducedExactly) {
  const ProgramZoo zoo(kZoo);
  const ProgramData a = generate_data(zoo.load("77416892"), 9);
  EXPECT_EQ(a.train.x.shape, (std::vector<int64_t>{6, 1, 1}));
  EXPECT_EQ(a.train.x.values, (std::vector<float>{3.13f, 4.12f, 9.12f, 2.56f, 7.89f, 1.23f}));
  EXPECT_EQ(a.train.y.values, (std::vector<float>{1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(a.val.x.values, (std::vector<float>{3.44f, 2.33f, 8.56f, 3.76f, 6.89f, 0.98f}));
  EXPECT_EQ(a.val.y.values, (std::vector<float>{0, 1, 0, 1, 0, 1}));
  const ProgramData b = generate_data(zoo.load("66840108"), 9);
  ASSERT_EQ(b.train.x.shape, (std::vector<int64_t>{44, 2}));
  EXPECT_EQ(at(b.train.x, {0, 0}), 433.0f);
  EXPECT_EQ(at(b.train.x, {0, 1}), 866.0f);
  EXPECT_EQ(at(b.train.y, {0, 0}), 1732.0f);
  EXPECT_EQ(at(b.train.x, {43, 0}), 335.0f);
  EXPECT_EQ(at(b.train.y, {43, 0}), 1340.0f);
  for (int64_t i = 0; i < 44; ++i) EXPECT_EQ(at(b.train.y, {i, 0}), 4 * at(b.train.x, {i, 0}));
  EXPECT_EQ(b.val, b.train);  // validation = the training data
}

TEST(Dataset, ConstantBlocksAndPerClassGenerators) {
  const ProgramZoo zoo(kZoo);
  const ProgramData a = generate_data(apply_scale(zoo.load("31880720"), Scale::Smoke), 4);
  for (int64_t i = 0; i < 64; ++i) {
    const float v = at(a.train.x, {i, 0});
    EXPECT_EQ(at(a.train.x, {i, 127}), v);
    EXPECT_EQ(at(a.train.y, {i, 0}), v);  // ones rows are labelled 1, zeros rows 0
    EXPECT_EQ(v, i < 32 ? 1.0f : 0.0f);
  }
  const ProgramData b = generate_data(zoo.load("37624102"), 4);  // 86 + 86 shuffled, 14 + 14
  int ones = 0;
  for (int64_t i = 0; i < 172; ++i) {
    const float v = at(b.train.x, {i, 50, 50, 0});
    EXPECT_EQ(at(b.train.y, {i, 0}), v);
    EXPECT_EQ(at(b.train.y, {i, 1}), 1.0f - v);
    ones += v == 1.0f;
  }
  EXPECT_EQ(ones, 86);
  EXPECT_NE(at(b.train.x, {0, 0, 0, 0}) + at(b.train.x, {1, 0, 0, 0}) + at(b.train.x, {2, 0, 0, 0}) +
                at(b.train.x, {3, 0, 0, 0}),
            4.0f);  // shuffled: the first rows are not all one class (fixed seed)
  const ProgramData c = generate_data(zoo.load("50306988"), 4);
  for (int64_t i = 0; i < 160; ++i) {
    const bool first = at(c.train.y, {i, 0}) == 1.0f;
    const float x0 = at(c.train.x, {i, 0});
    EXPECT_TRUE(first ? (x0 >= 0.2f && x0 < 0.4f) : (x0 >= 0.5f && x0 < 0.7f));
  }
}

TEST(Dataset, WindowsMatchTheSeries) {
  const ProgramZoo zoo(kZoo);
  // 69906416: 60-step lookback -> 30-step forecast, 276 windows, validation = training data.
  const ProgramData a = generate_data(zoo.load("69906416"), 11);
  ASSERT_EQ(a.train.x.shape, (std::vector<int64_t>{276, 60, 1}));
  ASSERT_EQ(a.train.y.shape, (std::vector<int64_t>{276, 30}));
  EXPECT_EQ(a.val, a.train);
  float lo = 1, hi = 0;
  for (int64_t k = 0; k + 1 < 276; ++k) {
    for (int64_t s = 0; s + 1 < 60; ++s) ASSERT_EQ(at(a.train.x, {k + 1, s, 0}), at(a.train.x, {k, s + 1, 0}));
    ASSERT_EQ(at(a.train.y, {k, 0}), at(a.train.x, {k + 1, 59, 0}));  // y starts right after the window
    for (int64_t h = 0; h + 1 < 30; ++h) ASSERT_EQ(at(a.train.y, {k + 1, h}), at(a.train.y, {k, h + 1}));
    lo = std::min(lo, at(a.train.x, {k, 0, 0}));
    hi = std::max(hi, at(a.train.x, {k, 0, 0}));
  }
  EXPECT_GE(lo, 0.0f);  // min-max scaled
  EXPECT_LE(hi, 1.0f);
  // 61553510: one step (sampling 5) of 3 features -> next 3 values of feature 2; val starts 5 anchors after train.
  const ProgramData b = generate_data(zoo.load("61553510"), 11);
  ASSERT_EQ(b.train.x.shape, (std::vector<int64_t>{1995, 1, 3}));
  ASSERT_EQ(b.val.x.shape, (std::vector<int64_t>{492, 1, 3}));
  for (int64_t k = 0; k + 7 < 1995; ++k)
    for (int64_t h = 0; h < 3; ++h) ASSERT_EQ(at(b.train.y, {k, h}), at(b.train.x, {k + 5 + h, 0, 2}));
  EXPECT_EQ(at(b.train.y, {1994, 1}), at(b.val.x, {0, 0, 2}));  // anchor 2005 reads row 2000
  // 67649606 (shuffled windows) and 73765263 (ordered, drop_last 1): counts as the originals.
  const ProgramData c = generate_data(zoo.load("67649606"), 11);
  EXPECT_EQ(c.train.y.shape, (std::vector<int64_t>{280, 1}));
  const ProgramData d = generate_data(zoo.load("73765263"), 11);
  EXPECT_EQ(d.train.y.shape, (std::vector<int64_t>{671, 10}));
  for (int64_t k = 0; k + 1 < 671; ++k)
    for (int64_t f = 0; f < 10; ++f) ASSERT_EQ(at(d.train.y, {k, f}), at(d.train.x, {k + 1, 39, f}));
  for (float v : d.train.x.values) ASSERT_TRUE(v > 0.0f && v <= 1.0f);  // divided by the column max
}

TEST(Dataset, TokenizedPseudoSentencesFollowKerasTokenizer) {
  const ProgramZoo zoo(kZoo);
  // 68103873: 'sentence_<i>_<k>' -> [sentence, i, k] ids; train i = 0..799, val i = 800..999 with its own tokenizer.
  const ProgramData a = generate_data(zoo.load("68103873"), 3);
  ASSERT_EQ(a.train.x.shape, (std::vector<int64_t>{800, 3, 10}));
  for (int64_t i = 0; i < 800; i += 37)
    for (int64_t k = 0; k < 3; ++k) {
      EXPECT_EQ(at(a.train.x, {i, k, 0}), 2.0f);  // 'sentence' (after <OOV> = 1)
      EXPECT_EQ(at(a.train.x, {i, k, 1}), static_cast<float>(i + 3));
      EXPECT_EQ(at(a.train.x, {i, k, 2}), static_cast<float>(k + 3));
      for (int64_t t = 3; t < 10; ++t) EXPECT_EQ(at(a.train.x, {i, k, t}), 0.0f);  // post padding
    }
  EXPECT_EQ(at(a.val.x, {0, 1, 1}), 6.0f);   // '800' ranks after 'sentence', '0', '1', '2'
  EXPECT_EQ(at(a.val.x, {199, 2, 2}), 5.0f);  // '2'
  // 68716219: three texts cycled, vocabulary of 7 (OOV, a, sentence, positive, negative, neutral), pre padding.
  const ProgramData b = generate_data(zoo.load("68716219"), 3);
  std::set<std::vector<float>> rows;
  for (int64_t i = 0; i < 240; ++i)
    rows.insert(std::vector<float>(b.train.x.values.begin() + i * 30, b.train.x.values.begin() + i * 30 + 30));
  EXPECT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    for (int t = 0; t < 27; ++t) EXPECT_EQ(r[t], 0.0f);
    EXPECT_EQ(r[27], 2.0f);  // 'a'
    EXPECT_EQ(r[29], 3.0f);  // 'sentence'
    EXPECT_TRUE(r[28] >= 4.0f && r[28] <= 6.0f);
  }
}

TEST(Dataset, FittedTransformsUseTrainStatisticsOrEachSplit) {
  const ProgramZoo zoo(kZoo);
  const ProgramData a = generate_data(apply_scale(zoo.load("73148058"), Scale::Smoke), 8);  // z-normalised per split
  for (const Tensor* t : {&a.train.x, &a.val.x}) {
    double m = 0, v = 0;
    for (float e : t->values) m += e;
    m /= static_cast<double>(t->values.size());
    for (float e : t->values) v += (e - m) * (e - m);
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(v / static_cast<double>(t->values.size()), 1.0, 1e-4);
  }
  const ProgramData b = generate_data(apply_scale(zoo.load("51971180"), Scale::Smoke), 8);  // MinMax fitted on train
  const int64_t cols = 16 * 8;
  for (int64_t c = 0; c < cols; ++c) {
    float lo = 1, hi = 0;
    for (int64_t i = 0; i < 64; ++i) lo = std::min(lo, b.train.x.values[i * cols + c]), hi = std::max(hi, b.train.x.values[i * cols + c]);
    ASSERT_EQ(lo, 0.0f);
    ASSERT_EQ(hi, 1.0f);
  }
  bool outside = false;  // val is scaled with the train min/max, so it may leave [0, 1]
  for (float e : b.val.x.values) outside = outside || e < 0.0f || e > 1.0f;
  EXPECT_TRUE(outside);
}

TEST(Dataset, SmallRecipesComputeAsDocumented) {
  // linspace / arange / polynomial / add_noise, val overrides, and arange under a cap.
  const ProgramSpec p = recipe({1}, Json::parse(R"({
      "n_train": 5, "n_val": 3,
      "x": {"kind": "arange", "start": 0, "stop": 1, "step": 0.2},
      "y": {"kind": "polynomial", "coefficients": [1, 0, 2]},
      "val": {"x": {"kind": "linspace", "start": -1, "stop": 1}}})"));
  const ProgramData d = generate_data(p, 0);
  EXPECT_EQ(d.train.x.values, (std::vector<float>{0.0f, 0.2f, 0.4f, static_cast<float>(3 * 0.2), 0.8f}));
  EXPECT_EQ(d.val.x.values, (std::vector<float>{-1.0f, 0.0f, 1.0f}));
  EXPECT_EQ(d.val.y.values, (std::vector<float>{3.0f, 1.0f, 3.0f}));
  EXPECT_EQ(d.train.y.shape, (std::vector<int64_t>{5, 1}));
  // Fewer rows than an arange holds: the step widens so the rows still span the range.
  const ProgramSpec q = recipe({1}, Json::parse(R"({"n_train": 4, "n_val": 1, "split": "same",
      "x": {"kind": "arange", "start": 0, "stop": 8, "step": 1}, "y": {"kind": "identity"}})"));
  EXPECT_EQ(generate_data(q, 0).train.x.values, (std::vector<float>{0, 2, 4, 6}));
  // Shuffle split: a permutation of the pool, no row twice.
  const ProgramSpec r = recipe({1}, Json::parse(R"({"n_train": 6, "n_val": 4, "split": "shuffle",
      "x": {"kind": "linspace", "start": 0, "stop": 9}, "y": {"kind": "identity"}})"));
  const ProgramData e = generate_data(r, 0);
  std::vector<float> all = e.train.x.values;
  all.insert(all.end(), e.val.x.values.begin(), e.val.x.values.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(e.train.x.values, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // make_classification: both classes, near-balanced, informative (class means differ).
  const ProgramSpec m = recipe({2}, Json::parse(R"({"n_train": 800, "n_val": 200, "split": "shuffle",
      "x": {"kind": "make_classification", "n_informative": 2, "n_redundant": 0}, "y": {"kind": "class_of_x", "shape": [1]}})"));
  const ProgramData f = generate_data(m, 0);
  double count1 = 0;
  for (float v : f.train.y.values) count1 += v;
  EXPECT_GT(count1, 320);
  EXPECT_LT(count1, 480);
}

// ---------------------------------------------------------------- scales

TEST(Dataset, ScaleCapsSequenceAndWhatFollowsIt) {
  const ProgramSpec p = spec_of(R"({
    "id": "s", "architecture": "RNN", "input_shape": [100, 8], "sequence_axis": 0,
    "data": {"n_train": 1000, "n_val": 500, "x": {"kind": "uniform"}, "y": {"kind": "identity"}},
    "layers": [{"type": "LSTM", "units": 4}, {"type": "RepeatVector", "n": 100},
               {"type": "Reshape", "target_shape": [100, 2, 2]}, {"type": "RepeatVector", "n": 23},
               {"type": "TimeDistributed", "layer": {"type": "Reshape", "target_shape": [100]}}],
    "loss": "mse", "optimizer": {"name": "adam", "learning_rate": 0.001}, "epochs": 50, "batch_size": 32})");
  const ProgramSpec r = apply_scale(p, Scale::Reduced);
  EXPECT_EQ(r.input_shape, (std::vector<int64_t>{64, 8}));
  EXPECT_EQ(r.data["n_train"], 512);
  EXPECT_EQ(r.data["n_val"], 128);
  EXPECT_EQ(r.epochs, 50);
  EXPECT_EQ(r.layers[1].config["n"], 64);
  EXPECT_EQ(r.layers[2].config["target_shape"], Json::parse("[64, 2, 2]"));
  EXPECT_EQ(r.layers[3].config["n"], 23);  // not tied to the input length
  EXPECT_EQ(r.layers[4].config["layer"]["target_shape"], Json::parse("[64]"));
  const ProgramSpec s = apply_scale(p, Scale::Smoke);
  EXPECT_EQ(s.input_shape, (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(s.epochs, 3);
  EXPECT_EQ(apply_scale(p, Scale::Full), p);
  // A windowed recipe's lookback follows the capped length.
  const ProgramSpec w = apply_scale(ProgramZoo(kZoo).load("73765263"), Scale::Smoke);
  EXPECT_EQ(w.data["windows"]["lookback"], 16);
  EXPECT_EQ(generate_data(w, 1).train.x.shape, (std::vector<int64_t>{64, 16, 10}));
}

// ---------------------------------------------------------------- errors

TEST(Dataset, BadRecipesNameTheFileAndField) {
  auto with = [](const char* data) { return recipe({2}, Json::parse(data)); };
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniformm"}, "y": {"kind": "xor"}})")).rfind(
                "recipe.json: data.x.kind: unknown generator 'uniformm'", 0),
            0u);
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform", "lo": 0}, "y": {"kind": "xor"}})")),
            "recipe.json: data.x: unknown field 'lo'");
  EXPECT_EQ(error_of(with(R"({"n_val": 2, "x": {"kind": "uniform"}, "y": {"kind": "xor"}})")),
            "recipe.json: data: missing field 'n_train'");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"}, "y": {"kind": "xnor"}})")).rfind(
                "recipe.json: data.y.kind: unknown target rule 'xnor'", 0),
            0u);
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "randint"}, "y": {"kind": "xor"}})")),
            "recipe.json: data.x: missing field 'high'");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"}, "y": {"kind": "uniform"}})")),
            "recipe.json: data.y: missing field 'shape' (the target row shape)");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"},
                              "y": {"kind": "normal", "shape": ["sequence"]}})")),
            "recipe.json: data.y.shape: uses \"sequence\" but the spec has no sequence_axis");
  EXPECT_EQ(error_of(with(R"({"n_train": 3, "n_val": 2, "x": {"kind": "inline", "values": [[1, 2], [3], [5, 6]]},
                              "y": {"kind": "xor"}})")),
            "recipe.json: data.x.values: row 1 has 1 values, expected 2 (row shape [2])");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"}, "y": {"kind": "xor"},
                              "x_transforms": [{"kind": "divide", "by": 255}, {"kind": "log"}]})")).rfind(
                "recipe.json: data.x_transforms[1].kind: unknown transform 'log'", 0),
            0u);
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "split": "random", "x": {"kind": "uniform"}, "y": {"kind": "xor"}})")),
            "recipe.json: data.split: unknown split 'random' (known: independent, shuffle, head, same)");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"}, "y": {"kind": "xor"}, "extra": 1})")),
            "recipe.json: data: unknown field 'extra'");
  EXPECT_EQ(error_of(with(R"({"n_train": 4, "n_val": 2, "x": {"kind": "uniform"},
                              "y": {"kind": "random_classes", "classes": 3, "one_hot": 2}})")),
            "recipe.json: data.y.one_hot: class 2 is outside 2 classes");
  // Windows must produce input_shape, and enough of them.
  const ProgramSpec w1 = recipe({5, 2}, Json::parse(R"({"n_train": 4, "n_val": 2, "split": "head", "x": {"kind": "normal"},
      "windows": {"series_length": 50, "lookback": 6}})"));
  EXPECT_EQ(error_of(w1), "recipe.json: data.windows: windows have shape [6, 2], input_shape is [5, 2]");
  const ProgramSpec w2 = recipe({5, 2}, Json::parse(R"({"n_train": 40, "n_val": 20, "split": "head", "x": {"kind": "normal"},
      "windows": {"series_length": 50, "lookback": 5}})"));
  EXPECT_EQ(error_of(w2), "recipe.json: data: the recipe yields 45 samples, the split needs 60");
  // x must match input_shape: an inline generator cannot silently reshape.
  const ProgramSpec lin = recipe({2}, Json::parse(R"({"n_train": 4, "n_val": 2, "x": {"kind": "linspace", "start": 0, "stop": 1},
      "y": {"kind": "identity"}})"));
  EXPECT_EQ(error_of(lin), "recipe.json: data.x: makes one value per row, but rows have shape [2]");
}

// ---------------------------------------------------------------- facts

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Loss as programs.json spells it -> Keras name + from_logits.
LossSpec reference_loss(const std::string& text) {
  static const std::map<std::string, std::string> names = {
      {"meansquarederror", "mse"}, {"mean_squared_error", "mse"}, {"mean_absolute_error", "mae"},
      {"binarycrossentropy", "binary_crossentropy"}, {"categoricalcrossentropy", "categorical_crossentropy"},
      {"sparsecategoricalcrossentropy", "sparse_categorical_crossentropy"}};
  LossSpec l;
  std::string base = text.substr(0, text.find('('));
  l.name = names.count(lower(base)) ? names.at(lower(base)) : base;
  l.from_logits = text.find("from_logits=True") != std::string::npos;
  return l;
}

// Layer class of a programs.json layer string; "" for Input/InputLayer (not layers in a spec).
std::string reference_layer_type(const std::string& text) {
  std::string head;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) break;
    head += c;
  }
  if (head == "Input" || head == "InputLayer") return "";
  if (head == "MaxPool2D") return "MaxPooling2D";
  if (head == "GlobalMaxPool1D") return "GlobalMaxPooling1D";
  if (head == "Softmax") return "Activation";
  if (head == "RNN") return "LSTM";  // RNN(LSTMCell(n))
  return head;
}

// First argument when it is a plain number ("Dense(4, ...)" -> 4).
bool first_number(const std::string& text, double& out) {
  const size_t open = text.find('(');
  if (open == std::string::npos) return false;
  const char* start = text.c_str() + open + 1;
  char* end = nullptr;
  out = std::strtod(start, &end);
  return end != start && (*end == ',' || *end == ')');
}

// Activation names written in a layer string ("LSTM(64, tanh, ...)").
std::vector<std::string> activations_in(const std::string& text) {
  std::vector<std::string> found, words;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') w += c;
    else if (!w.empty()) words.push_back(w), w.clear();
  }
  for (const auto& word : words)
    if (std::find(known_activations().begin(), known_activations().end(), word) != known_activations().end())
      found.push_back(word);
  return found;
}

void expect_layer_matches(const std::string& type, const Json& cfg, const std::string& text) {
  double first = 0;
  if (first_number(text, first)) {
    if (type == "Dense" || type == "LSTM" || type == "SimpleRNN") { EXPECT_EQ(cfg["units"], first); }
    if (type == "Conv1D" || type == "Conv2D") { EXPECT_EQ(cfg["filters"], first); }
    if (type == "Dropout") { EXPECT_DOUBLE_EQ(cfg["rate"].get<double>(), first); }
    if (type == "Embedding") { EXPECT_EQ(cfg["input_dim"], first); }
    if (type == "RepeatVector") { EXPECT_EQ(cfg["n"], first); }
  }
  if (type == "Dense" || type == "LSTM" || type == "SimpleRNN" || type == "Conv1D" || type == "Conv2D" ||
      type == "Activation") {
    // Activation names in the text (before any wrapped-layer suffix); Softmax layers are Activation(softmax).
    const auto acts = activations_in(text.substr(0, text.find(')')));
    const std::string want = text.rfind("Softmax", 0) == 0 ? "softmax" : acts.empty() ? "" : acts[0];
    EXPECT_EQ(cfg.value("activation", ""), want);
  }
}
}  // namespace

TEST(ProgramZooSpecs, FactsMatchTheReference) {
  if (!std::filesystem::exists(kReference)) GTEST_SKIP() << "no ../shared/reference (not part of a user clone)";
  std::ifstream in(kReference);
  const Json ref = Json::parse(in);
  ASSERT_FALSE(ref.empty());  // every reference program is in the zoo; the zoo may hold more
  const ProgramZoo zoo(kZoo);
  for (const auto& e : ref) {
    const std::string id = std::to_string(e["so_id"].get<int64_t>());
    SCOPED_TRACE(id);
    ASSERT_TRUE(zoo.has(id));
    const ProgramSpec p = zoo.load(id);
    EXPECT_EQ(to_string(p.architecture), e["architecture"].get<std::string>());
    EXPECT_EQ(p.task, e["task"].get<std::string>());
    EXPECT_EQ(p.labels_learnable, e["labels_learnable"].get<bool>());
    EXPECT_EQ(p.data["n_train"], e["n_train"]);
    EXPECT_EQ(p.data["n_val"], e["n_validation"]);
    EXPECT_EQ(p.input_shape, e["input_shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(p.epochs, e["epochs"].get<int>());
    EXPECT_EQ(p.batch_size, e["batch_size"].get<int>());
    EXPECT_EQ(p.metrics, e["metrics"].get<std::vector<std::string>>());
    EXPECT_EQ(p.loss, reference_loss(e["loss"].get<std::string>()));
    EXPECT_EQ(p.optimizer.name, lower(e["optimizer"].get<std::string>()));
    EXPECT_DOUBLE_EQ(p.optimizer.learning_rate, e["learning_rate"].get<double>());
    const Json params = e["optimizer_params"].is_null() ? Json::object() : e["optimizer_params"];
    EXPECT_EQ(p.optimizer.params, params);
    std::vector<std::string> types;
    std::vector<std::string> texts;
    for (const auto& l : e["layer_stack"]) {
      const std::string t = reference_layer_type(l.get<std::string>());
      if (!t.empty()) types.push_back(t), texts.push_back(l.get<std::string>());
    }
    ASSERT_EQ(p.layers.size(), types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      SCOPED_TRACE(texts[i]);
      EXPECT_EQ(p.layers[i].type, types[i]);
      std::string text = texts[i];
      std::string type = p.layers[i].type;
      Json cfg = p.layers[i].config;
      if (type == "Bidirectional" || type == "TimeDistributed") {  // check the wrapped layer
        const size_t merge = text.find("merge=");
        if (merge != std::string::npos) { EXPECT_EQ(cfg.value("merge_mode", ""), text.substr(merge + 6, text.find_first_of(",)", merge) - merge - 6)); }
        text = text.substr(text.find('(') + 1);
        type = cfg["layer"]["type"].get<std::string>();
        EXPECT_EQ(type, reference_layer_type(text));
        cfg = cfg["layer"];
      }
      expect_layer_matches(type, cfg, text);
    }
  }
}
