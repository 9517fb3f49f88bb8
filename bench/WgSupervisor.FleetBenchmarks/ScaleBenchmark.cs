using System.Diagnostics;
using System.Globalization;
using WgSupervisor.FleetBenchmarks.Support;
using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks;

/// <summary>
/// A large fleet at rest: 1,000 simulated tunnels polled every 5 s with the default thresholds (StaleAfter 180 s,
/// the default ladder and backoff), one tunnel breaking every 10 s so that there is some repair activity. The
/// supervisor's CPU time (utime + stime) and RSS are read from /proc every 5 s; the CPU average leaves out the
/// start-up (the first 60 s by default). Nothing else talks to the supervisor while it is measured.
/// </summary>
public static class ScaleBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var tunnels = options.Integer("tunnels", 1000);
        var minutes = options.Number("minutes", 5);
        var poll = options.Number("poll", 5);
        var breakEvery = options.Number("break-every", 10);
        var warmup = options.Number("warmup", 60);
        var every = options.Number("sample", 5);
        var keepLog = options.OptionalText("keep-log");
        var hostEnvironment = options.Environment("host-env");
        options.RejectUnknown();
        if (minutes * 60 <= warmup + every) throw new ArgumentException($"--minutes must leave time after the {warmup} s warm-up");

        var files = FleetSupervisor.NewRun("scale");
        var directory = files.Directory;
        var port = SupervisorProcess.FreePort();
        var config = new
        {
            NodeName = "scale",
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = poll,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = tunnels, BreakEverySeconds = breakEvery, Seed = 1 },
            Journal = new { Provider = "Sqlite", SqlitePath = Path.Combine(directory, "journal.db") },
        };
        Console.WriteLine($"scale: {tunnels} simulated tunnels, poll {poll} s, one tunnel breaks every {breakEvery} s " +
                          "(RepairSeconds 0.5, FixProbability 0.5: simulator defaults); supervisor defaults otherwise " +
                          "(StaleAfter 180 s, VerifyTimeout 20 s, the default ladder and backoff, MaxConcurrentRestarts 2), " +
                          "journal SQLite");
        Console.WriteLine($"run {minutes} min, /proc sampled every {every} s, CPU averaged after a {warmup} s warm-up; " +
                          $"{Environment.ProcessorCount} cores, clock ticks {ProcSample.TicksPerSecond}/s; load average before: {BenchArguments.LoadAverage()}");

        await using var run = await FleetSupervisor.StartAsync(files, port, config, hostEnvironment);
        var pid = run.ProcessId;
        // Elapsed time counts from the process start (the /healthz wait is part of the start-up).
        var startedAt = run.StartedAt;
        double Elapsed() => (DateTimeOffset.UtcNow - startedAt).TotalSeconds;
        Console.WriteLine($"supervisor PID {pid}, /healthz answered {Elapsed():0.0} s after start" +
                          (hostEnvironment.Count > 0 ? $"; environment {string.Join(' ', hostEnvironment.Select(e => $"{e.Key}={e.Value}"))}" : ""));

        var samples = new List<ProcSample>();
        var end = minutes * 60;
        var next = Math.Ceiling(Elapsed() / every) * every;
        while (true)
        {
            var wait = next - Elapsed();
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait));
            if (ProcSample.Read(pid, Elapsed()) is not { } sample) throw new InvalidOperationException("the supervisor exited");
            samples.Add(sample);
            if (next >= end) break;
            next += every;
        }
        Console.WriteLine($"load average after: {BenchArguments.LoadAverage()}");

        // Only now ask the supervisor anything, so that the API costs nothing in the figures.
        var list = (await run.GetJsonAsync("/api/tunnels")).AsArray();
        var fleet = await run.GetJsonAsync("/api/fleet");
        var states = list.GroupBy(t => t!["state"]!.GetValue<string>()).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        var repairs = list.Sum(t => t!["restartCount"]!.GetValue<int>());
        var events = (await run.AllEventsAsync()).Count;
        var journalBytes = new DirectoryInfo(directory).GetFiles("journal.db*").Sum(f => f.Length);
        if (keepLog is not null) run.Log.CopyTo(keepLog);
        var logLines = File.ReadLines(run.Log.FilePath!).Count();

        Console.WriteLine();
        Console.WriteLine("Samples (every 30 s shown; CPU % of one core over the preceding interval)");
        var table = new Table("t (s)", "CPU time (s)", "CPU % since previous row", "RSS (MiB)");
        ProcSample? previous = null;
        foreach (var s in samples.Where((s, i) => i == 0 || i == samples.Count - 1 || Math.Round(s.ElapsedSeconds) % 30 == 0))
        {
            table.Row(s.ElapsedSeconds.ToString("0", CultureInfo.InvariantCulture), s.CpuSeconds,
                previous is { } p ? Percent(p, s).ToString("0.00", CultureInfo.InvariantCulture) : "—", s.RssMiB.ToString("0.0", CultureInfo.InvariantCulture));
            previous = s;
        }
        table.Print();

        var warm = samples.Where(s => s.ElapsedSeconds >= warmup - 0.5).ToList();
        var intervals = warm.Zip(warm.Skip(1), Percent).ToList();
        var average = Percent(warm[0], warm[^1]);
        var maxRss = samples.Max(s => s.RssMiB);
        var finalRss = samples[^1].RssMiB;
        Console.WriteLine();
        Console.WriteLine("Summary");
        new Table("measure", "value", "target")
            .Row("CPU during start-up (first sample)", $"{samples[0].CpuSeconds:0.00} s CPU in {samples[0].ElapsedSeconds:0} s", "")
            .Row($"CPU average after warm-up ({warm[0].ElapsedSeconds:0} s → {warm[^1].ElapsedSeconds:0} s), % of one core",
                $"{average:0.00} %", Verdict(average, 2, "%"))
            .Row($"CPU per {every:0} s interval after warm-up: min / median / max, %",
                $"{intervals.Min():0.00} / {Median(intervals):0.00} / {intervals.Max():0.00}", "")
            .Row("RSS max", $"{maxRss:0.0} MiB = {maxRss * MiB / 1e6:0.0} MB", Verdict(maxRss * MiB / 1e6, 300, "MB"))
            .Row("RSS final", $"{finalRss:0.0} MiB = {finalRss * MiB / 1e6:0.0} MB", Verdict(finalRss * MiB / 1e6, 300, "MB"))
            .Print();
        Console.WriteLine($"at the end: {list.Count} tunnels ({string.Join(", ", states)}), {repairs} repairs in total, {events} events in the journal " +
                          $"({journalBytes / 1024.0 / 1024.0:0.0} MiB of SQLite files), pending history {fleet["pendingHistoryEvents"]}, " +
                          $"{logLines} lines of supervisor output");
        return 0;
    }

    /// <summary>Bytes in a MiB; the target is in MB (10^6 bytes), the stricter reading.</summary>
    private const double MiB = 1024 * 1024;

    private static double Percent(ProcSample from, ProcSample to) =>
        100.0 * (to.CpuSeconds - from.CpuSeconds) / Math.Max(1e-9, to.ElapsedSeconds - from.ElapsedSeconds);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Verdict(double value, double target, string unit) =>
        value < target
            ? $"< {target} {unit}: met"
            : $"< {target} {unit}: MISSED by {value - target:0.00} {unit} ({value / target:0.0}×)";
}
