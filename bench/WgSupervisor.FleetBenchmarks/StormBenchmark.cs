using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using WgSupervisor.FleetBenchmarks.Support;
using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks;

/// <summary>
/// A restart storm: every simulated tunnel breaks at once; the supervisor must repair them all with at most
/// MaxConcurrentRestarts repairs in flight. Prints the concurrency seen (from the journal's repair intervals
/// and from sampling /api/fleet every 100 ms), the time from the outage until every tunnel is healthy again,
/// and how that compares with the ideal schedule: ceil(tunnels / permits) repairs back to back at the measured
/// mean repair duration, plus the detection delay.
/// </summary>
/// <remarks>
/// The simulator renews a healthy tunnel's handshake only every 120 s (as WireGuard does), so a StaleAfter below
/// 120 s would call healthy tunnels stale over and over. The outage is therefore placed just before the
/// fleet's first handshakes (all made when the simulator starts) turn StaleAfter old: BreakAllAfter 118 s with
/// StaleAfter 121 s gives a detection delay of about 3 s plus a poll.
/// </remarks>
public static class StormBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var tunnels = options.Integer("tunnels", 100);
        var permits = options.Integer("permits", 4);
        var repairSeconds = options.Number("repair-seconds", 1);
        var staleAfter = options.Number("stale-after", 121);
        var breakAfter = options.Number("break-after", 118);
        var verifyTimeout = options.Number("verify-timeout", 3);
        var poll = options.Number("poll", 0.5);
        var provider = options.Text("journal", "sqlite").ToLowerInvariant();
        var connectionString = options.OptionalText("connection-string");
        var limit = TimeSpan.FromMinutes(options.Number("timeout-minutes", 10));
        var keepLog = options.OptionalText("keep-log");
        var hostEnvironment = options.Environment("host-env");
        options.RejectUnknown();
        if (provider is not ("sqlite" or "postgres")) throw new ArgumentException("--journal: sqlite or postgres");
        if (provider == "postgres" && connectionString is null) throw new ArgumentException("--journal postgres needs --connection-string");

        var files = FleetSupervisor.NewRun("storm");
        var directory = files.Directory;
        var port = SupervisorProcess.FreePort();
        var node = $"storm{Guid.NewGuid():N}"[..13];
        var worldFile = Path.Combine(directory, "world.json");
        var config = new
        {
            NodeName = node,
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = poll,
            MaxConcurrentRestarts = permits,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new
            {
                Tunnels = tunnels, BreakAllAfterSeconds = breakAfter, RepairSeconds = repairSeconds, FixProbability = 1.0,
                StateFile = worldFile, Seed = 1,
            },
            Journal = provider == "sqlite"
                ? (object)new { Provider = "Sqlite", SqlitePath = Path.Combine(directory, "journal.db") }
                : new { Provider = "PostgreSql", ConnectionString = connectionString },
            Defaults = new
            {
                StaleAfterSeconds = staleAfter,
                VerifyTimeoutSeconds = verifyTimeout,
                Repair = new[] { "restart-interface" },
            },
        };

        Console.WriteLine($"storm: {tunnels} simulated tunnels all broken {breakAfter} s after the simulator starts; " +
                          $"MaxConcurrentRestarts {permits}, ladder [restart-interface], RepairSeconds {repairSeconds}, FixProbability 1.0, " +
                          $"StaleAfter {staleAfter} s, VerifyTimeout {verifyTimeout} s, poll {poll} s, journal {provider}");
        Console.WriteLine($"host: {FleetSupervisor.HostAssembly}; load average before: {BenchArguments.LoadAverage()}");

        await using var run = await FleetSupervisor.StartAsync(files, port, config, hostEnvironment);
        Console.WriteLine($"supervisor PID {run.ProcessId} on {run.BaseUrl}" +
                          (hostEnvironment.Count > 0 ? $"; environment {string.Join(' ', hostEnvironment.Select(e => $"{e.Key}={e.Value}"))}" : ""));
        var clock = Stopwatch.StartNew();

        // All tunnels discovered and healthy before the outage.
        while (true)
        {
            var list = (await run.GetJsonAsync("/api/tunnels")).AsArray();
            if (list.Count == tunnels && list.All(t => t!["state"]!.GetValue<string>() == "healthy")) break;
            if (File.Exists(worldFile)) throw new InvalidOperationException("the outage came before every tunnel was healthy: raise --break-after");
            if (clock.Elapsed > TimeSpan.FromSeconds(breakAfter)) throw new TimeoutException("the tunnels were not all healthy before the outage");
            await Task.Delay(250);
        }
        Console.WriteLine($"{tunnels} tunnels healthy {clock.Elapsed.TotalSeconds:0.0} s after start; waiting for the outage");

        using var stop = new CancellationTokenSource();
        var fleetSamples = new ConcurrentQueue<(DateTimeOffset At, int InUse, int Queued)>();
        var fleetErrors = 0;
        var fleetSampler = Task.Run(async () =>
        {
            var next = DateTimeOffset.UtcNow;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var fleet = await run.GetJsonAsync("/api/fleet", stop.Token);
                    fleetSamples.Enqueue((DateTimeOffset.UtcNow, fleet["permitsInUse"]!.GetValue<int>(), fleet["queue"]!.AsArray().Count));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    if (!stop.IsCancellationRequested) Interlocked.Increment(ref fleetErrors);
                }
                next += TimeSpan.FromMilliseconds(100);
                var wait = next - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, CancellationToken.None);
                else next = DateTimeOffset.UtcNow;
            }
        });

        // The outage: the simulator writes its world (all tunnels broken) within 200 ms of breaking them.
        DateTimeOffset? outage = null;
        while (outage is null)
        {
            if (run.HasExited) throw new InvalidOperationException("the supervisor exited");
            if (clock.Elapsed > TimeSpan.FromSeconds(breakAfter + 60)) throw new TimeoutException("no outage seen in the world file");
            if (File.Exists(worldFile))
            {
                var mtime = File.GetLastWriteTimeUtc(worldFile);
                if (BrokenCount(worldFile) == tunnels) outage = new DateTimeOffset(mtime, TimeSpan.Zero);
            }
            if (outage is null) await Task.Delay(20);
        }
        Console.WriteLine($"outage at {outage:HH:mm:ss.fff} (world file written, ≤ 0.2 s after the break)");

        // Until every tunnel has been repaired and is healthy (the API; the journal's figures are computed below).
        DateTimeOffset? allHealthySeen = null;
        while (allHealthySeen is null)
        {
            if (run.HasExited) throw new InvalidOperationException("the supervisor exited");
            if (DateTimeOffset.UtcNow - outage > limit) throw new TimeoutException($"not all tunnels healthy within {limit}");
            var list = (await run.GetJsonAsync("/api/tunnels")).AsArray();
            if (list.Count == tunnels && list.All(t => t!["state"]!.GetValue<string>() == "healthy" && t["restartCount"]!.GetValue<int>() >= 1))
                allHealthySeen = DateTimeOffset.UtcNow;
            else await Task.Delay(100);
        }
        await Task.Delay(500);
        await stop.CancelAsync();
        await fleetSampler;
        Console.WriteLine($"all healthy (API) at {allHealthySeen:HH:mm:ss.fff}; load average after: {BenchArguments.LoadAverage()}");

        // The journal: wait for the history backlog to drain, then read every event.
        var drain = Stopwatch.StartNew();
        while ((await run.GetJsonAsync("/api/fleet"))["pendingHistoryEvents"]!.GetValue<int>() > 0 && drain.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(200);
        var events = (await run.AllEventsAsync()).Where(e => e["node"]?.GetValue<string>() == node).ToList();
        if (keepLog is not null) run.Log.CopyTo(keepLog);
        var samples = fleetSamples.ToList();
        Report(events, samples, fleetErrors, outage.Value, allHealthySeen.Value, tunnels, permits);
        return 0;
    }

    private static int BrokenCount(string worldFile)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(worldFile))!.AsArray().Count(t => t!["Broken"]!.GetValue<bool>());
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return -1;
        }
    }

    private sealed record Repair(string Tunnel, DateTimeOffset Start, DateTimeOffset Finish, string Outcome)
    {
        public double Seconds => (Finish - Start).TotalSeconds;
    }

    private static void Report(List<JsonObject> events, List<(DateTimeOffset At, int InUse, int Queued)> fleetSamples, int fleetErrors,
        DateTimeOffset outage, DateTimeOffset allHealthySeen, int tunnels, int permits)
    {
        static DateTimeOffset At(JsonObject e) => e["at"]!.GetValue<DateTimeOffset>();
        static string Type(JsonObject e) => e["type"]!.GetValue<string>();
        // Events of the storm: from one second before the outage (the world file is written up to 0.2 s after it).
        var storm = events.Where(e => At(e) >= outage - TimeSpan.FromSeconds(1)).ToList();

        var repairs = new List<Repair>();
        var open = new List<Repair>();
        foreach (var byTunnel in storm.GroupBy(e => e["tunnel"]!.GetValue<string>()))
        {
            DateTimeOffset? started = null;
            foreach (var e in byTunnel.OrderBy(e => e["seq"]!.GetValue<long>()))
            {
                if (Type(e) == "repair-started") started = At(e);
                else if (Type(e) == "repair-finished" && started is { } s)
                {
                    repairs.Add(new Repair(byTunnel.Key, s, At(e), e["outcome"]!.GetValue<string>()));
                    started = null;
                }
            }
            if (started is { } unfinished) open.Add(new Repair(byTunnel.Key, unfinished, DateTimeOffset.MaxValue, "open"));
        }

        // Largest number of repair intervals open at once (a finish at the same instant as a start frees the slot first).
        var edges = repairs.SelectMany(r => new[] { (r.Start, +1), (r.Finish, -1) }).OrderBy(x => x.Item1).ThenBy(x => x.Item2).ToList();
        int current = 0, journalMax = 0;
        foreach (var (_, delta) in edges) journalMax = Math.Max(journalMax, current += delta);

        var stale = storm.Where(e => Type(e) == "stale").Select(At).Order().ToList();
        var healthy = storm.Where(e => Type(e) == "healthy").ToList();
        var lastHealthyPerTunnel = healthy.GroupBy(e => e["tunnel"]!.GetValue<string>()).Select(g => g.Max(At)).ToList();
        var succeeded = repairs.Where(r => r.Outcome == "Succeeded").ToList();
        var durations = succeeded.Select(r => r.Seconds).Order().ToList();
        double Percentile(double p) => durations.Count == 0 ? double.NaN : durations[Math.Min(durations.Count - 1, (int)Math.Ceiling(p * durations.Count) - 1)];
        var mean = durations.Count == 0 ? double.NaN : durations.Average();

        var firstStale = stale.Count > 0 ? stale[0] : (DateTimeOffset?)null;
        var lastHealthy = lastHealthyPerTunnel.Count > 0 ? lastHealthyPerTunnel.Max() : (DateTimeOffset?)null;
        var detection = firstStale is { } f ? (f - outage).TotalSeconds : double.NaN;
        var total = lastHealthy is { } l ? (l - outage).TotalSeconds : double.NaN;
        var rounds = (int)Math.Ceiling(tunnels / (double)permits);
        var idealRepairs = rounds * mean;
        var ideal = idealRepairs + detection;
        var repairPhase = lastHealthy is { } lh && firstStale is { } fs ? (lh - fs).TotalSeconds : double.NaN;

        // Permit hand-over: the k-th repair to start (k ≥ permits) could have started when the (k - permits)-th finished.
        var starts = repairs.Select(r => r.Start).Order().ToList();
        var finishes = repairs.Select(r => r.Finish).Order().ToList();
        var handovers = Enumerable.Range(permits, Math.Max(0, starts.Count - permits))
            .Select(k => (starts[k] - finishes[k - permits]).TotalSeconds).ToList();
        var waits = storm.Where(e => Type(e) is "stale" or "repair-started").GroupBy(e => e["tunnel"]!.GetValue<string>())
            .Select(g =>
            {
                var s = g.Where(e => Type(e) == "stale").Select(At).DefaultIfEmpty(DateTimeOffset.MinValue).Min();
                var r = g.Where(e => Type(e) == "repair-started").Select(At).DefaultIfEmpty(DateTimeOffset.MinValue).Min();
                return s == DateTimeOffset.MinValue || r == DateTimeOffset.MinValue ? double.NaN : (r - s).TotalSeconds;
            }).Where(w => !double.IsNaN(w)).ToList();
        var busy = repairs.Sum(r => r.Seconds);
        var span = repairs.Count == 0 ? 0 : (repairs.Max(r => r.Finish) - repairs.Min(r => r.Start)).TotalSeconds;

        var duringStorm = fleetSamples.Where(s => s.At >= outage && s.At <= allHealthySeen).ToList();
        var sampledMax = fleetSamples.Count == 0 ? 0 : fleetSamples.Max(s => s.InUse);
        var busySamples = duringStorm.Count(s => s.InUse > 0);

        Console.WriteLine();
        Console.WriteLine("Concurrency");
        new Table("measure", "value")
            .Row("permit limit (MaxConcurrentRestarts)", permits)
            .Row("max repairs in flight, journal (repair-started → repair-finished intervals)", journalMax)
            .Row("max permitsInUse, /api/fleet sampled every 100 ms", $"{sampledMax} ({fleetSamples.Count} samples, {fleetErrors} failed)")
            .Row("samples during the storm with all permits in use", duringStorm.Count == 0 ? "—" :
                $"{duringStorm.Count(s => s.InUse == permits)} of {busySamples} with any in use")
            .Row("max queued for a permit (sampled)", fleetSamples.Count == 0 ? 0 : fleetSamples.Max(s => s.Queued))
            .Row("concurrency ever exceeded the limit", journalMax > permits || sampledMax > permits ? "YES" : "no")
            .Print();

        Console.WriteLine();
        Console.WriteLine("Repairs (from the journal)");
        new Table("measure", "value")
            .Row("tunnels / repairs / succeeded / other outcomes / still open", $"{tunnels} / {repairs.Count} / {succeeded.Count} / " +
                $"{repairs.Count - succeeded.Count} / {open.Count}")
            .Row("repair duration start → finish, s: mean / median / p95 / max", durations.Count == 0 ? "—" :
                $"{mean:0.000} / {Percentile(0.5):0.000} / {Percentile(0.95):0.000} / {durations[^1]:0.000}")
            .Row("stale → repair-started per tunnel, s: min / mean / max", waits.Count == 0 ? "—" :
                $"{waits.Min():0.00} / {waits.Average():0.00} / {waits.Max():0.00}")
            .Row("permit hand-over (next start − finish that freed the slot), s: mean / max", handovers.Count == 0 ? "—" :
                $"{handovers.Average():0.000} / {handovers.Max():0.000}")
            .Row("permit utilisation (Σ repair time / (permits × first start → last finish))",
                span == 0 ? "—" : $"{busy / (permits * span):P1}")
            .Print();

        Console.WriteLine();
        Console.WriteLine("Time to repair the fleet");
        new Table("measure", "seconds")
            .Row("detection delay: outage → first stale", detection)
            .Row("first stale → last tunnel healthy (journal)", repairPhase)
            .Row("TOTAL: outage → last tunnel healthy (journal)", total)
            .Row("outage → all healthy seen on /api/tunnels", (allHealthySeen - outage).TotalSeconds)
            .Row($"ideal repairs: ceil({tunnels}/{permits}) = {rounds} × mean repair {mean:0.000} s", idealRepairs)
            .Row("IDEAL: ideal repairs + detection delay", ideal)
            .Row("RATIO total / ideal (target ≤ 1.2)", total / ideal)
            .Row("ratio without detection: (first stale → last healthy) / ideal repairs", repairPhase / idealRepairs)
            .Print();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events read from the journal: {events.Count} ({storm.Count} from the storm: {stale.Count} stale, {healthy.Count} healthy)"));
    }
}
