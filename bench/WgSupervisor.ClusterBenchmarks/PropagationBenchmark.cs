using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using WgSupervisor.ClusterBenchmarks.Support;
using WgSupervisor.Testing;

namespace WgSupervisor.ClusterBenchmarks;

/// <summary>
/// Three supervisor processes on 127.0.0.1 (distinct admin and Akka ports) form one Akka.Cluster, each with 300
/// simulated tunnels (discovered in the simulated namespace "sim", a distinct seed per node, so distinct peer keys
/// and names), all journaling to PostgreSQL and polling every 5 s. Measured:
/// (1) propagation: POST /api/tunnels/{name}/pause to the node that owns the tunnel, then GET /api/tunnels/{name} on
///     another node every ~20 ms until it reads "paused" — the clock starts just before the POST is sent; then the
///     same for /resume (until the other node no longer reads "paused"). The owner and the observer rotate over the
///     three nodes (1→2, 2→3, 3→1).
/// (2) GET /api/tunnels on one node (the cluster view: 900 tunnels) while every node polls: sequential requests,
///     each timed to the last byte of the body.
/// Two arms in one run, at the same time (two clusters on distinct ports, the changes of both interleaved in time):
/// the nodes talking plain TCP (akka.tcp, allowed on loopback) and mutual TLS (akka.ssl.tcp, certificates from
/// `wgsupervisor certs`); then both side by side with the relative difference of the propagation percentiles.
/// </summary>
public static class PropagationBenchmark
{
    /// <param name="ArmsTogether">Both clusters at once (the same machine load for both), or one after the other (half the load: on
    /// two cores, six nodes at once make the tails mostly scheduling noise).</param>
    /// <param name="Rounds">How many times each arm runs; the arms alternate (plaintext, TLS, plaintext, …) and their figures are
    /// pooled, so that a slow minute of the machine falls on both.</param>
    /// <param name="ObserverPollMs">How often the observer reads the tunnel: the resolution of the propagation figures.</param>
    public sealed record Options(int Nodes, int TunnelsPerNode, int Changes, int ListRequests, double PollSeconds, string Postgres,
        bool ArmsTogether = true, int Rounds = 1, int ObserverPollMs = 20);

    private static readonly TimeSpan ChangeLimit = TimeSpan.FromSeconds(30);

    /// <summary>What one arm measured, in milliseconds.</summary>
    private sealed record Figures(ClusterTransport Transport, List<double> Pause, List<double> Resume, List<double> Post, int Failures)
    {
        public Figures Pooled(Figures other) =>
            new(Transport, [.. Pause, .. other.Pause], [.. Resume, .. other.Resume], [.. Post, .. other.Post], Failures + other.Failures);
    }

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        using var certificates = await ClusterCertificates.IssueAsync(options.Nodes);
        Console.WriteLine(certificates.Printed);
        Console.WriteLine(certificates.Describe());
        // Both arms at once, each its own cluster on its own ports, so that both see the same machine (on a shared, busy one
        // the load changes more from minute to minute than TLS could change a figure); each arm's lines are printed when it ends.
        var transports = new[] { ClusterTransport.Plaintext, ClusterTransport.Tls(certificates) };
        var logs = transports.Select(_ => new StringWriter()).ToArray();
        var arms = new Figures?[transports.Length];
        try
        {
            for (var round = 1; round <= options.Rounds; round++)
            {
                var figures = new Figures[transports.Length];
                if (options.ArmsTogether)
                    figures = await Task.WhenAll(transports.Select((transport, i) => RunArmAsync(options, transport, logs[i], cancellationToken)));
                else
                    for (var i = 0; i < transports.Length; i++)
                    {
                        Console.WriteLine($"round {round} of {options.Rounds}: {transports[i].Name} arm (load average {BenchArguments.LoadAverage()})");
                        figures[i] = await RunArmAsync(options, transports[i], logs[i], cancellationToken);
                    }
                for (var i = 0; i < transports.Length; i++) arms[i] = arms[i]?.Pooled(figures[i]) ?? figures[i];
            }
        }
        finally
        {
            for (var i = 0; i < transports.Length; i++)
            {
                Console.WriteLine();
                Console.WriteLine($"=== arm: {transports[i].Name} ({transports[i].Scheme}), " +
                                  (options.ArmsTogether ? "run at the same time as the other" : "run on its own"));
                Console.Write(logs[i].ToString());
            }
        }

        var (plain, tls) = (arms[0]!, arms[1]!);
        Console.WriteLine();
        Console.WriteLine($"Propagation over {tls.Transport.Name} next to {plain.Transport.Name} (same run, same settings; difference = TLS / plaintext - 1; " +
                          $"{options.Rounds} round(s) pooled, observer read every ~{options.ObserverPollMs} ms; " +
                          $"95 % interval of the p99 difference from {Stats.BootstrapResamples} bootstrap resamples of each arm)");
        Console.WriteLine("| measurement | n | plaintext p50 | TLS p50 | plaintext p99 | TLS p99 | p99 difference | its 95 % interval | plaintext mean | TLS mean |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (what, pick) in new (string, Func<Figures, List<double>>)[]
                 {
                     ("pause: POST to owner → 'paused' in another node's API", f => f.Pause),
                     ("resume: POST to owner → no longer 'paused' in another node's API", f => f.Resume),
                     ("pause: POST round trip (202 from the owner; no remoting: the machine's noise)", f => f.Post),
                 })
        {
            var (a, b) = (pick(plain), pick(tls));
            var (low, high) = Stats.BootstrapRatioInterval(b, a, 99);
            Console.WriteLine($"| {what} | {a.Count} + {b.Count} | {Stats.Ms(Stats.Percentile(a, 50))} | {Stats.Ms(Stats.Percentile(b, 50))} | " +
                              $"{Stats.Ms(Stats.Percentile(a, 99))} | {Stats.Ms(Stats.Percentile(b, 99))} | " +
                              $"{Stats.Relative(Stats.Percentile(b, 99), Stats.Percentile(a, 99))} | " +
                              $"{Stats.Relative(low, 1)} to {Stats.Relative(high, 1)} | " +
                              $"{Stats.Ms(a.DefaultIfEmpty(double.NaN).Average())} | {Stats.Ms(b.DefaultIfEmpty(double.NaN).Average())} |");
        }
        Console.WriteLine($"changes not seen within {ChangeLimit.TotalSeconds:0} s: plaintext {plain.Failures}, TLS {tls.Failures}");
        return 0;
    }

    private static async Task<Figures> RunArmAsync(Options options, ClusterTransport transport, TextWriter log, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var clock = Stopwatch.StartNew();
        var adminPorts = Enumerable.Range(0, options.Nodes).Select(_ => SupervisorProcess.FreePort()).ToArray();
        var clusterPorts = Enumerable.Range(0, options.Nodes).Select(_ => SupervisorProcess.FreePort()).ToArray();
        var nodes = new List<SupervisorProcess>();
        log.WriteLine($"propagation: {options.Nodes} nodes x {options.TunnelsPerNode} simulated tunnels on 127.0.0.1 " +
                          $"(admin ports {string.Join(", ", adminPorts)}; Akka ports {string.Join(", ", clusterPorts)}, {transport.Name}), PostgreSQL journal, " +
                          $"PollIntervalSeconds {options.PollSeconds.ToString(CultureInfo.InvariantCulture)}, run {run}");
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                var name = $"p{i + 1}-{run}";
                var started = clock.Elapsed;
                nodes.Add(await ClusterNode.StartAsync(name, transport.Apply(Config(options, name, i, adminPorts, clusterPorts, transport), i), adminPorts[i],
                    cancellationToken));
                log.WriteLine($"  {name} (pid {nodes[i].ProcessId}) answers /healthz after {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
            var total = options.Nodes * options.TunnelsPerNode;
            var formed = clock.Elapsed;
            foreach (var node in nodes)
                await node.WaitUntilAsync($"{node.Name} lists {total} healthy tunnels of {options.Nodes} up nodes", TimeSpan.FromSeconds(180), async () =>
                {
                    var tunnels = await TunnelsAsync(node, cancellationToken);
                    var up = (await GetAsync(node, "/api/nodes", cancellationToken)).AsArray().Count(n => n!["status"]!.GetValue<string>() == "up");
                    return up == options.Nodes && tunnels.Count == total && tunnels.All(t => t["state"]!.GetValue<string>() == "healthy");
                }, cancellationToken);
            log.WriteLine($"  every node lists {total} healthy tunnels {(clock.Elapsed - formed).TotalSeconds:0.0} s after the last node answered");
            // Let the first journal writes (one 'healthy' event per tunnel) and the start-up JIT settle.
            await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
            // What the nodes cost while they only poll and publish (no requests from here).
            var idleSeconds = 30;
            var cpuBefore = nodes.Select(n => CpuTime(n.ProcessId)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds), cancellationToken);
            var idleCpu = nodes.Select((n, i) => $"{n.Name} {(CpuTime(n.ProcessId) - cpuBefore[i]).TotalSeconds / idleSeconds * 100:0.0} %").ToList();
            log.WriteLine($"  CPU of each node over {idleSeconds} s of polling only (100 % = one core): {string.Join(", ", idleCpu)}");

            // (1) propagation of a pause (and of the resume) from the owner to another node.
            var byNode = (await TunnelsAsync(nodes[0], cancellationToken))
                .GroupBy(t => t["node"]!.GetValue<string>())
                .ToDictionary(g => g.Key, g => g.Select(t => t["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList());
            var pauseMs = new List<double>();
            var resumeMs = new List<double>();
            var postMs = new List<double>();
            var localMs = new List<double>();
            var pollGetMs = new List<double>();
            var failures = 0;
            for (var i = 0; i < options.Changes; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var owner = nodes[i % nodes.Count];
                var observer = nodes[(i + 1) % nodes.Count];
                var tunnel = byNode[owner.Name][i / nodes.Count % byNode[owner.Name].Count];
                try
                {
                    var (post, seen, local) = await ChangeAsync(owner, observer, tunnel, "pause", state => state == "paused", options.ObserverPollMs, pollGetMs, clock,
                        cancellationToken);
                    postMs.Add(post);
                    pauseMs.Add(seen);
                    if (local is { } l) localMs.Add(l);
                    var (_, resumed, _) = await ChangeAsync(owner, observer, tunnel, "resume", state => state != "paused", options.ObserverPollMs, pollGetMs, clock,
                        cancellationToken);
                    resumeMs.Add(resumed);
                }
                catch (TimeoutException e)
                {
                    failures++;
                    log.WriteLine($"  change {i + 1} ({tunnel}): {e.Message}");
                    await owner.Http.PostAsync($"/api/tunnels/{tunnel}/resume", null, cancellationToken);
                }
                await Task.Delay(100, cancellationToken);
            }

            // (2) GET /api/tunnels on one node while every node polls.
            var listNode = nodes[Math.Min(1, nodes.Count - 1)];
            var listMs = new List<double>();
            long bytes = 0;
            var count = 0;
            for (var i = 0; i < options.ListRequests; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var watch = Stopwatch.StartNew();
                var body = await listNode.Http.GetByteArrayAsync("/api/tunnels", cancellationToken);
                listMs.Add(watch.Elapsed.TotalMilliseconds);
                bytes = body.Length;
                if (i == 0) count = JsonNode.Parse(body)!.AsArray().Count;
            }

            log.WriteLine();
            log.WriteLine($"Cluster propagation over {transport.Name}, {options.Nodes} nodes x {options.TunnelsPerNode} simulated tunnels on 127.0.0.1, PostgreSQL journal, " +
                              $"poll every {options.PollSeconds.ToString(CultureInfo.InvariantCulture)} s; owner → observer rotating 1→2, 2→3, 3→1; " +
                              $"observer polled every ~{options.ObserverPollMs} ms; {failures} change(s) not seen within {ChangeLimit.TotalSeconds:0} s");
            log.WriteLine(Stats.Header);
            log.WriteLine(Stats.Row("pause: POST to owner → 'paused' in another node's API", pauseMs));
            log.WriteLine(Stats.Row("resume: POST to owner → no longer 'paused' in another node's API", resumeMs));
            log.WriteLine(Stats.Row("pause: POST round trip (202 from the owner)", postMs));
            log.WriteLine(Stats.Row("pause: POST → 'paused' in the owner's own API (first read after the 202)", localMs));
            log.WriteLine(Stats.Row("GET /api/tunnels/{name} on the observer (the polls above)", pollGetMs));
            log.WriteLine(Stats.Row($"GET /api/tunnels on {listNode.Name} ({count} tunnels, {bytes / 1024.0:0} KiB)", listMs));
            log.WriteLine($"CPU of each node over {idleSeconds} s of polling only, no requests (100 % = one core): {string.Join(", ", idleCpu)}");
            return new Figures(transport, pauseMs, resumeMs, postMs, failures);
        }
        catch
        {
            foreach (var node in nodes) Console.Error.WriteLine($"--- {node.Name}\n{node.Log.Tail(30)}");
            throw;
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
            var left = nodes.Where(n => File.Exists($"/proc/{n.ProcessId}/cmdline") &&
                                        File.ReadAllText($"/proc/{n.ProcessId}/cmdline").Contains("wgsupervisor.dll", StringComparison.Ordinal)).ToList();
            log.WriteLine(left.Count == 0 ? "all nodes stopped" : $"warning: still running: {string.Join(", ", left.Select(n => n.ProcessId))}");
        }
    }

    /// <summary>
    /// Sends the command to the owner and polls the observer every ~<paramref name="pollMs"/> ms until <paramref name="reached"/> holds for
    /// the tunnel's state there. Returns the POST's round trip, the time until the observer showed it, and the time
    /// until the owner itself showed it (one read right after the 202).
    /// </summary>
    private static async Task<(double Post, double Seen, double? Local)> ChangeAsync(SupervisorProcess owner, SupervisorProcess observer, string tunnel, string command,
        Func<string, bool> reached, int pollMs, List<double> pollGetMs, Stopwatch clock, CancellationToken cancellationToken)
    {
        var start = clock.Elapsed;
        using var response = await owner.Http.PostAsync($"/api/tunnels/{tunnel}/{command}", null, cancellationToken);
        var post = (clock.Elapsed - start).TotalMilliseconds;
        if ((int)response.StatusCode != 202)
            throw new TimeoutException($"{command} {tunnel} on {owner.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        double? local = null;
        if (command == "pause")
        {
            var state = await StateAsync(owner, tunnel, cancellationToken);
            if (reached(state)) local = (clock.Elapsed - start).TotalMilliseconds;
        }
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            var before = clock.Elapsed;
            var state = await StateAsync(observer, tunnel, cancellationToken);
            var after = clock.Elapsed;
            pollGetMs.Add((after - before).TotalMilliseconds);
            if (reached(state)) return (post, (after - start).TotalMilliseconds, local);
            if (after - start > ChangeLimit) break;
            var wait = TimeSpan.FromMilliseconds(pollMs) - (after - before);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
        }
        throw new TimeoutException($"{command} of {tunnel} on {owner.Name} not seen on {observer.Name} within {ChangeLimit.TotalSeconds:0} s");
    }

    /// <summary>User + system CPU time of a process, from /proc/PID/stat.</summary>
    private static TimeSpan CpuTime(int pid) => CpuClock.Of(pid)?.Self ?? throw new InvalidOperationException($"process {pid} is gone");

    private static async Task<string> StateAsync(SupervisorProcess node, string tunnel, CancellationToken cancellationToken) =>
        (await GetAsync(node, $"/api/tunnels/{tunnel}", cancellationToken))["state"]!.GetValue<string>();

    private static async Task<JsonNode> GetAsync(SupervisorProcess node, string path, CancellationToken cancellationToken) =>
        JsonNode.Parse(await node.Http.GetStringAsync(path, cancellationToken))!;

    private static async Task<List<JsonNode>> TunnelsAsync(SupervisorProcess node, CancellationToken cancellationToken)
    {
        try
        {
            return (await GetAsync(node, "/api/tunnels", cancellationToken)).AsArray().Select(t => t!).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private static object Config(Options options, string name, int index, int[] adminPorts, int[] clusterPorts, ClusterTransport transport) => new
    {
        NodeName = name,
        Admin = new { Url = $"http://127.0.0.1:{adminPorts[index]}" },
        PollIntervalSeconds = options.PollSeconds,
        Discover = true,
        Backend = "Simulated",
        // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
        CommonCause = new { Enabled = false },
        Simulation = new { Tunnels = options.TunnelsPerNode, Namespace = "sim", Seed = 1000 + index },
        Journal = new { Provider = "PostgreSql", ConnectionString = options.Postgres },
        Cluster = new
        {
            Enabled = true, Hostname = "127.0.0.1", Port = clusterPorts[index],
            SeedNodes = clusterPorts.Take(2).Select(transport.Seed).ToArray(),
        },
    };
}
