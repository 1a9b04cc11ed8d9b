#include "hessfit/configs/run.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fmt/format.h>
#include <iostream>
#include <mutex>
#include <thread>

#include "hessfit/configs/report.hpp"

namespace hessfit::configs {

namespace {

using Clock = std::chrono::steady_clock;

/// n x n matrices a dense fit holds at once (for the memory estimate).
constexpr double kDenseMatricesHeld = 4.0;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }


}  // namespace

fit::FitResult run_fit(const FitSetup& setup, const ProgressCallback& progress) {
  fit::FitOptions options = setup.options;
  options.progress = progress;
  return fit::fit(setup.objective(), options);
}

namespace {

/// "hessfit fit: MINOS on 6 parameters ... 2.4 s" redrawn in place on a terminal.
class ProgressLine {
 public:
  ProgressLine(std::ostream& err, bool enabled) : err_(err), enabled_(enabled) {
    if (enabled_) ticker_ = std::thread([this] { tick(); });
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { stop(); }

  void step(const std::string& label) {
    if (!enabled_) return;
    const std::lock_guard lock(mutex_);
    label_ = label;
    step_start_ = Clock::now();
    draw();
  }

  void stop() {
    if (!enabled_) return;
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    err_ << "\r\033[K" << std::flush;
    enabled_ = false;
  }

 private:
  void draw() {  // mutex held
    err_ << "\r\033[Khessfit fit: " << label_ << fmt::format(" ... {:.1f} s", seconds_since(step_start_)) << std::flush;
  }
  void tick() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(200));
      if (!stopping_ && !label_.empty()) draw();
    }
  }

  std::ostream& err_;
  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string label_;
  Clock::time_point step_start_ = Clock::now();
  std::thread ticker_;
};

/// The memory this process may still use: the address-space limit (ulimit -v) if set, else the
/// physical memory, in bytes.
double available_memory_bytes() {
  double bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    bytes = std::min(bytes, static_cast<double>(limit.rlim_cur));
  return bytes;
}

/// A dense fit of n parameters holds about four n x n matrices (Hessian, its factor, covariance,
/// correlation): refused before allocating when that exceeds the memory available.
std::optional<std::string> dense_memory_problem(const fit::Objective& objective) {
  if (objective.uses_sparse_hessian()) return std::nullopt;
  const double n = static_cast<double>(objective.size());
  const double needed = kDenseMatricesHeld * n * n * sizeof(double);
  const double available = available_memory_bytes();
  if (needed <= available) return std::nullopt;
  return fmt::format("this model has {} parameters: its dense Hessian, factor and covariance need ~{:.2g} GB, more than the "
                     "{:.2g} GB available; see 'fit.hessian: sparse' in configs/README.md (workspaces with many "
                     "parameters) or give the process more memory",
                     objective.size(), needed / 1e9, available / 1e9);
}

}  // namespace

int run_fit_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  const auto t_start = Clock::now();
  Diagnostics d;
  Config config = load_config(options.config, options.sets, d);
  if (options.threads) config.fit.threads = *options.threads;
  if (options.output_directory) config.output.directory = options.output_directory->lexically_normal();
  std::optional<FitSetup> setup;
  if (config.model.workspace || config.model.nll) setup = prepare_fit(config, d);
  std::error_code ec;
  if (std::filesystem::exists(config.output.directory, ec) && !std::filesystem::is_directory(config.output.directory, ec))
    d.error(options.output_directory ? Location{"--out", 0, 0} : Location{config.source, 0, 0},
            "the output directory '" + config.output.directory.generic_string() + "' is a file");
  if (!d.ok() || !setup) {
    if (d.ok()) d.error({config.source, 0, 0}, "no model to fit");
    err << d.report("hessfit fit", " in the configuration; nothing was written");
    return kExitBadInput;
  }
  if (const auto problem = dense_memory_problem(setup->objective())) {
    err << "hessfit fit: " << *problem << "; nothing was written\n";
    return kExitResources;
  }
  for (const auto& w : setup->warnings) err << "hessfit fit: warning: " << w << "\n";
  const double load_seconds = seconds_since(t_start);

  const bool show_progress = options.progress.value_or(::isatty(STDERR_FILENO) != 0);
  fit::FitResult result;
  {
    ProgressLine line(err, show_progress);
    try {
      result = run_fit(*setup, [&](const std::string& s) { line.step(s); });
    } catch (const std::bad_alloc&) {
      line.stop();
      err << "hessfit fit: out of memory during the fit; nothing was written\n";
      return kExitResources;
    } catch (const std::exception& e) {
      line.stop();
      err << "hessfit fit: the fit failed: " << e.what() << "\nnothing was written\n";
      return kExitNumerical;
    }
  }

  std::optional<InferenceResults> inference;
  if (config.inference.requested()) {
    ProgressLine line(err, show_progress);
    line.step("hypothesis tests of '" + setup->poi() + "'");
    try {
      inference = run_inference(*setup, config.inference, inference_options(config));
    } catch (const std::bad_alloc&) {
      line.stop();
      err << "hessfit fit: out of memory during the hypothesis tests; nothing was written\n";
      return kExitResources;
    } catch (const std::exception& e) {
      line.stop();
      err << "hessfit fit: the hypothesis tests failed: " << e.what() << "\nnothing was written\n";
      return kExitNumerical;
    }
  }

  std::optional<PostfitResults> postfit;
  {
    ProgressLine line(err, show_progress);
    line.step("yields, goodness of fit and uncertainty breakdown");
    try {
      postfit = run_postfit(config, *setup, result);
    } catch (const std::exception& e) {
      line.stop();
      err << "hessfit fit: the yields, goodness of fit or breakdown failed: " << e.what() << "\nnothing was written\n";
      return kExitNumerical;
    }
  }

  std::optional<ToysResults> toys;
  if (config.toys.requested()) {
    try {
      infer::InferenceOptions fits = inference_options(config);
      toys = run_toys(*setup, config.toys, fits, toy_progress_line(err, show_progress));
    } catch (const std::exception& e) {
      err << "hessfit fit: the toys failed: " << e.what() << "\nnothing was written\n";
      return kExitNumerical;
    }
  }

  if (options.instead_of_writing) return options.instead_of_writing(config);
  const auto t_report = Clock::now();
  Report report{config, *setup, result, {load_seconds, 0.0, 0.0}, inference ? &*inference : nullptr, toys ? &*toys : nullptr,
                &*postfit};
  std::vector<PlotFile> plots = make_plots(report);
  const std::string summary = text_summary(report);
  std::string markdown = config.output.markdown ? markdown_report(report, plots) : std::string{};
  report.timing.report = seconds_since(t_report);
  report.timing.total = seconds_since(t_start);
  const std::string json = config.output.json ? results_json(report).dump(2) + "\n" : std::string{};

  std::vector<std::string> written;
  std::vector<ReportFile> files;
  if (config.output.json) files.push_back({"results.json", json});
  if (config.output.markdown) files.push_back({"report.md", markdown});
  if (config.output.text) files.push_back({"summary.txt", summary});
  for (const auto& p : plots) files.push_back({p.file_name, p.svg});
  if (toys) {
    files.push_back({"toys.json", per_toy_json(*toys).dump() + "\n"});
    for (auto& [file, svg] : toy_plots(*toys)) files.push_back({std::move(file), std::move(svg)});
  }
  try {
    write_report_set(config.output.directory, files);
  } catch (const ReportInterrupted& e) {
    // Nothing of this run is left behind (or all of it, if the signal came during the renames):
    // stop as the signal asks, with its usual exit status.
    err << "hessfit fit: " << e.what() << "; the output folder holds no partial report\n";
    return kExitInterrupted + e.signal_number();
  } catch (const std::exception& e) {
    err << "hessfit fit: cannot write the results: " << e.what() << "; nothing was written\n";
    return kExitBadInput;
  }
  for (const auto& f : files) written.push_back(f.name);

  if (!options.quiet) {
    out << summary;
    out << "\nwrote " << config.output.directory.generic_string() << "/: ";
    for (std::size_t i = 0; i < written.size(); ++i) out << (i ? ", " : "") << written[i];
    out << "\n";
  }
  const bool fit_ok = result.minimum.converged() && result.covariance.accurate();
  if (!fit_ok) err << "hessfit fit: " << result.problems() << "\n";
  const bool inference_ok = !inference || inference->ok();
  if (!inference_ok) err << "hessfit fit: " << inference->problems() << "\n";
  if (!postfit->ok()) err << "hessfit fit: warning: " << postfit->problems() << "\n";
  const bool toys_ok = !toys || toys->ok();
  if (!toys_ok) err << "hessfit fit: " << toys->problems() << "\n";
  return fit_ok && inference_ok && toys_ok ? kExitOk : kExitNumerical;
}

}  // namespace hessfit::configs
