#include "slurm/submit.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/process.h"
#include "slurm/script_template.h"


namespace dynfault::slurm {
namespace fs = std::filesystem;

namespace {

// plan.json "format" values, as campaign/plan.cpp writes them.
constexpr const char* kPlanFormat = "dynfault-campaign-plan";
constexpr const char* kShardedRootFormat = "dynfault-campaign-shards";

constexpr const char* kCampaignTemplate = "campaign.sbatch";
constexpr const char* kEvaluateTemplate = "collect-evaluate.sbatch";
constexpr int kEarlySignalSeconds = 60;  // Slurm may send --signal up to 60 s before the lead (sbatch.1)
constexpr int kFlushSeconds = 30;        // what the lead keeps beyond --grace: flush, exit, requeue

std::string absolute_path(const std::string& path) {
  std::string p = fs::absolute(fs::path(path)).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("invalid JSON: ") + e.what());
  }
}

void check_resources(const Resources& r) {
  if (r.nodes < 1) throw Error("--nodes", "must be at least 1, got " + std::to_string(r.nodes));
  if (r.ntasks_per_node < 1)
    throw Error("--ntasks-per-node", "must be at least 1, got " + std::to_string(r.ntasks_per_node));
  parse_time_limit(r.time);
  static const std::regex name("[A-Za-z0-9_.,:+-]+");
  if (!r.partition.empty() && !std::regex_match(r.partition, name))
    throw Error("--partition", "'" + r.partition + "' is not a partition name");
  if (!r.account.empty() && !std::regex_match(r.account, name))
    throw Error("--account", "'" + r.account + "' is not an account name");
}

std::string dynfault_binary(const std::string& requested) {
  if (requested.empty()) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("/proc/self/exe", "cannot find this dynfault binary; pass --dynfault-binary");
    return self.string();
  }
  const std::string path = absolute_path(requested);
  if (!fs::is_regular_file(path) || ::access(path.c_str(), X_OK) != 0)
    throw Error("--dynfault-binary", path + " is not an executable file");
  return path;
}

std::vector<std::string> split_words(const std::string& text, const std::string& option) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw Error(option, "is empty");
  return words;
}

void reject_option(const std::vector<std::string>& args, const std::string& option, const std::string& why) {
  for (const auto& a : args)
    if (a == option || a.rfind(option + "=", 0) == 0) throw Error(a, why);
}

std::string job_name(const std::string& kind, const std::string& dir) {
  std::string name = "dynfault-" + kind + "-" + fs::path(dir).filename().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return name;
}

TemplateValues resource_values(const Resources& r) {
  return {{"NODES", TemplateValue::word(std::to_string(r.nodes))},
          {"NTASKS_PER_NODE", TemplateValue::word(std::to_string(r.ntasks_per_node))},
          {"TIME", TemplateValue::word(r.time)},
          {"PARTITION", TemplateValue::word(r.partition)},
          {"ACCOUNT", TemplateValue::word(r.account)}};
}

std::string slurm_dir(const std::string& campaign) { return campaign + "/slurm"; }

}  // namespace

CampaignLayout read_campaign_layout(const std::string& dir) {
  if (dir.empty()) throw Error("campaign", "no campaign directory given");
  CampaignLayout layout;
  layout.dir = absolute_path(dir);
  if (!fs::is_directory(layout.dir)) throw Error(dir, "no such campaign directory");
  // Slurm expands '%' in --output and cannot take whitespace on an #SBATCH line.
  if (layout.dir.find_first_of(" \t\n\r%\\'\"") != std::string::npos)
    throw Error(layout.dir, "the path holds whitespace, a quote, '\\' or '%', which #SBATCH --output cannot take");
  const std::string plan = layout.dir + "/plan.json";
  if (!fs::is_regular_file(plan))
    throw Error(dir, "not a campaign directory (no plan.json; create one with `dynfault campaign plan`)");
  const nlohmann::json j = read_json(plan);
  const std::string format = j.is_object() ? optional_field<std::string>(j, "format", "", plan) : "";
  if (format == kPlanFormat) return layout;
  if (format != kShardedRootFormat) throw Error(plan, "not a dynfault campaign plan (format '" + format + "')");
  if (!j.contains("shards") || !j["shards"].is_array() || j["shards"].empty())
    throw Error(plan, "a sharded campaign without shards");
  for (const auto& s : j["shards"]) {
    const std::string name = s.is_object() ? optional_field<std::string>(s, "dir", "", plan) : "";
    if (name.empty() || name.find('/') != std::string::npos) throw Error(plan, "a shard without a directory name");
    if (!fs::is_regular_file(layout.dir + "/" + name + "/plan.json"))
      throw Error(layout.dir + "/" + name, "shard directory missing or without plan.json");
    layout.shards.push_back(name);
  }
  return layout;
}

long parse_time_limit(const std::string& text) {
  static const std::regex format(R"((?:(\d{1,3})-)?(\d{1,4}):(\d{2}):(\d{2}))");
  std::smatch m;
  if (!std::regex_match(text, m, format))
    throw Error("--time", "'" + text + "' is not a time limit (HH:MM:SS or D-HH:MM:SS)");
  const long days = m[1].matched ? std::stol(m[1]) : 0, hours = std::stol(m[2]), minutes = std::stol(m[3]),
             seconds = std::stol(m[4]);
  if (minutes > 59 || seconds > 59) throw Error("--time", "'" + text + "': minutes and seconds must be below 60");
  if (m[1].matched && hours > 23) throw Error("--time", "'" + text + "': hours must be below 24 after a day count");
  const long total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  if (total <= 0) throw Error("--time", "must be longer than zero");
  return total;
}

JobScript campaign_job(const CampaignJobOptions& o) {
  const CampaignLayout layout = read_campaign_layout(o.campaign);
  check_resources(o.resources);
  if (o.signal_lead < 1 || o.signal_lead > 65535)
    throw Error("--signal-lead", "must be 1-65535 seconds, got " + std::to_string(o.signal_lead));
  if (o.grace < 0) throw Error("--grace", "must not be negative");
  if (o.grace + kFlushSeconds > o.signal_lead)
    throw Error("--grace", std::to_string(o.grace) + " s leaves under " + std::to_string(kFlushSeconds) +
                               " s of the " + std::to_string(o.signal_lead) +
                               " s --signal-lead to flush and requeue");
  const long limit = parse_time_limit(o.resources.time);
  if (limit <= o.signal_lead + kEarlySignalSeconds)
    throw Error("--time", o.resources.time + " is not longer than --signal-lead " + std::to_string(o.signal_lead) +
                              " s + 60 s (Slurm may signal that early): the job would drain at once");
  const bool sharded = !layout.shards.empty();
  if (o.array_parallel < 0) throw Error("--array-parallel", "must not be negative");
  if (o.array_parallel > 0 && !sharded)
    throw Error("--array-parallel", layout.dir + " is not sharded (`dynfault campaign plan --shards S`)");
  reject_option(o.run_args, "--grace", "give --grace to `slurm submit` (it is checked against --signal-lead)");
  reject_option(o.run_args, "--shard", "the job picks its shard from SLURM_ARRAY_TASK_ID");

  std::string array;
  if (sharded) {
    array = "0-" + std::to_string(layout.shards.size() - 1);
    if (o.array_parallel > 0) array += "%" + std::to_string(o.array_parallel);
  }
  TemplateValues values = resource_values(o.resources);
  values["JOB_NAME"] = TemplateValue::word(job_name("campaign", layout.dir));
  values["ARRAY"] = TemplateValue::word(array);
  values["LOG"] =
      TemplateValue::word(slurm_dir(layout.dir) + "/logs/" + (sharded ? "campaign-%A_%a.out" : "campaign-%j.out"));
  values["SIGNAL_LEAD"] = TemplateValue::word(std::to_string(o.signal_lead));
  values["CAMPAIGN"] = TemplateValue::word(layout.dir);
  values["SHARD_DIRS"] = TemplateValue::list_of(layout.shards);
  values["DYNFAULT"] = TemplateValue::word(dynfault_binary(o.dynfault));
  values["MPIRUN"] = TemplateValue::list_of(split_words(o.mpirun, "--mpirun"));
  values["GRACE"] = TemplateValue::word(std::to_string(o.grace));
  values["RUN_ARGS"] = TemplateValue::list_of(o.run_args);

  JobScript job;
  job.kind = "campaign";
  job.campaign = layout.dir;
  job.path = slurm_dir(layout.dir) + "/" + kCampaignTemplate;
  job.text = render(load_template(kCampaignTemplate), values);
  job.sbatch_args = {"--parsable", job.path};
  return job;
}

JobScript evaluate_job(const EvaluateJobOptions& o) {
  const CampaignLayout layout = read_campaign_layout(o.campaign);
  check_resources(o.resources);
  static const std::regex job_ids(R"(\d+(_\d+)?(:\d+(_\d+)?)*)");
  if (!o.after.empty() && !std::regex_match(o.after, job_ids))
    throw Error("--after", "'" + o.after + "' is not a job id (e.g. 1234, or 1234:1240)");
  reject_option(o.evaluate_args, "--out", "give --out to `slurm submit evaluate`");

  std::vector<std::string> dirs;
  for (const auto& s : layout.shards) dirs.push_back(layout.dir + "/" + s);
  if (dirs.empty()) dirs.push_back(layout.dir);
  TemplateValues values = resource_values(o.resources);
  values["JOB_NAME"] = TemplateValue::word(job_name("evaluate", layout.dir));
  values["LOG"] = TemplateValue::word(slurm_dir(layout.dir) + "/logs/evaluate-%j.out");
  values["CAMPAIGN_DIRS"] = TemplateValue::list_of(dirs);
  values["CORPUS"] = TemplateValue::word(o.corpus.empty() ? layout.dir + "/corpus.h5" : absolute_path(o.corpus));
  values["RESULTS"] = TemplateValue::word(o.results.empty() ? layout.dir + "/rq1" : absolute_path(o.results));
  values["DYNFAULT"] = TemplateValue::word(dynfault_binary(o.dynfault));
  values["MPIRUN"] = TemplateValue::list_of(split_words(o.mpirun, "--mpirun"));
  values["EVALUATE_ARGS"] = TemplateValue::list_of(o.evaluate_args);

  JobScript job;
  job.kind = "evaluate";
  job.campaign = layout.dir;
  job.path = slurm_dir(layout.dir) + "/" + kEvaluateTemplate;
  job.text = render(load_template(kEvaluateTemplate), values);
  job.sbatch_args = {"--parsable"};
  if (!o.after.empty()) {
    job.sbatch_args.push_back("--dependency=afterok:" + o.after);
    // A campaign that fails (or stops short) never satisfies afterok: drop the job then.
    job.sbatch_args.push_back("--kill-on-invalid-dep=yes");
  }
  job.sbatch_args.push_back(job.path);
  return job;
}

std::string sbatch_command_line(const JobScript& job) {
  std::string line = "sbatch";
  for (const auto& a : job.sbatch_args) line += " " + shell_quote(a);
  return line;
}

std::string submit(const JobScript& job) {
  const std::string dir = slurm_dir(job.campaign);
  try {
    fs::create_directories(dir + "/logs");  // Slurm does not create the --output directory
  } catch (const fs::filesystem_error& e) {
    throw Error(dir, std::string("cannot create: ") + e.what());
  }
  write_file_atomically(job.path, job.text);
  fs::permissions(job.path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);

  std::vector<std::string> argv = {"sbatch"};
  argv.insert(argv.end(), job.sbatch_args.begin(), job.sbatch_args.end());
  std::string out;
  const int status = run_capturing(argv, out);
  if (status < 0) throw Error("sbatch", "not found on PATH (not a Slurm login node?); --dry-run shows the job");
  if (status != 0)
    throw Error("sbatch", "failed with status " + std::to_string(status) + " (its message is above); the script is " +
                              job.path);
  // --parsable: "<job id>[;<cluster>]"
  const std::string first_line = out.substr(0, out.find('\n'));
  const std::string id = first_line.substr(0, first_line.find(';'));
  if (!std::regex_match(id, std::regex(R"(\d+)")))
    throw Error("sbatch", "unexpected output '" + first_line + "' (wanted a job id; the script is " + job.path + ")");

  const std::string jobs = dir + "/jobs.tsv";
  const std::string before = fs::exists(jobs) ? read_text_file(jobs) : std::string();
  write_file_atomically(jobs, before + job.kind + "\t" + id + "\n");
  return id;
}

std::string queue_status_text(const std::string& campaign) {
  const CampaignLayout layout = read_campaign_layout(campaign);
  const std::string jobs = slurm_dir(layout.dir) + "/jobs.tsv";
  if (!fs::exists(jobs)) return "no jobs submitted from " + layout.dir + " (no " + jobs + ")\n";
  std::ostringstream text;
  std::istringstream in(read_text_file(jobs));
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) throw Error(jobs, "malformed line '" + line + "'");
    const std::string kind = line.substr(0, tab), id = line.substr(tab + 1);
    std::string out;
    // -r: one line per array element; %T state, %M time used, %L time left, %R reason or nodes.
    const int status = run_capturing({"squeue", "-h", "-r", "-j", id, "-o", "%i %T %M %L %R"}, out);
    text << kind << " job " << id << ":";
    if (status < 0)
      text << " squeue not found on PATH\n";
    else if (status != 0 || out.empty())
      text << " not in the queue (finished, or forgotten by Slurm)\n";
    else {
      text << "\n";
      std::istringstream rows(out);
      for (std::string row; std::getline(rows, row);) text << "  " << row << "\n";
    }
  }
  return text.str();
}

}  // namespace dynfault::slurm
