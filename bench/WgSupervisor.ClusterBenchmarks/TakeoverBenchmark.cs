using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using WgSupervisor.ClusterBenchmarks.Support;
using WgSupervisor.Lab;
using WgSupervisor.Testing;

namespace WgSupervisor.ClusterBenchmarks;

/// <summary>
/// Standby takeover on real wireguard-go, with the integration test's topology and settings (StandbyTests): a site
/// and two gateways in network namespaces on one LAN (10.250.150.0/24), both gateways holding the same conf
/// (tunnel address 10.251.150.1); three supervisor processes on 127.0.0.1 — the primary (Standby = the other), the
/// standby (Primary = the first) and a witness with no tunnels for keep-majority; PostgreSQL journal, poll 1 s,
/// ICMP probe every 1 s, Cluster:SplitBrain keep-majority with StableAfterSeconds 7 (the test's value).
/// Each repetition builds a fresh lab and fresh nodes, waits until the primary carries the tunnel and the site
/// pings through it, then SIGKILLs the primary's node and its wireguard-go at once and starts a ping from the site
/// to 10.251.150.1 every 200 ms (bounded by a deadline). Reported: the time from the kill to the first answer, and
/// from the standby's log (lines timestamped on arrival): when it saw the primary unreachable (failure detection),
/// when the primary was downed (the split-brain resolver's decision) and when it said it carries the tunnel.
/// Two arms in one run, their repetitions interleaved (plaintext, TLS, plaintext, …) so that both see the same machine:
/// the nodes talking plain TCP (akka.tcp, allowed on loopback) and mutual TLS (akka.ssl.tcp, certificates from
/// `wgsupervisor certs`); each arm's table, then both means side by side with the relative difference.
/// </summary>
public static class TakeoverBenchmark
{
    public sealed record Options(int Repetitions, int StableAfterSeconds, int DeadlineSeconds, string Postgres);

    private sealed record Result(TimeSpan? Unreachable, TimeSpan? Downed, TimeSpan? Carries, TimeSpan? FirstAnswer, string? Note);

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        using var certificates = await ClusterCertificates.IssueAsync(3);
        Console.WriteLine(certificates.Printed);
        Console.WriteLine(certificates.Describe());
        var transports = new[] { ClusterTransport.Plaintext, ClusterTransport.Tls(certificates) };
        var results = transports.ToDictionary(t => t, _ => new List<Result>());
        for (var rep = 1; rep <= options.Repetitions; rep++)
        foreach (var transport in transports)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Console.WriteLine($"takeover {rep}/{options.Repetitions} over {transport.Name}: building a fresh lab");
            var result = await OnceAsync(options, transport, cancellationToken);
            results[transport].Add(result);
            Console.WriteLine($"  unreachable {Stats.Seconds(result.Unreachable)}, downed {Stats.Seconds(result.Downed)}, " +
                              $"standby carries {Stats.Seconds(result.Carries)}, first ping answer {Stats.Seconds(result.FirstAnswer)}" +
                              (result.Note is null ? "" : $" ({result.Note})"));
        }

        var means = transports.Select(t => (Transport: t, Means: Report(options, t, results[t]))).ToList();
        Console.WriteLine();
        Console.WriteLine("Takeover over mutual TLS next to plaintext (means of the runs above; difference = TLS / plaintext - 1)");
        Console.WriteLine("| measurement | plaintext | TLS | difference |");
        Console.WriteLine("|---|---|---|---|");
        var (plain, tls) = (means[0].Means, means[1].Means);
        foreach (var (what, pick) in new (string, Func<Means, TimeSpan?>)[]
                 {
                     ("primary unreachable (failure detection)", m => m.Unreachable), ("primary downed (SBR decision)", m => m.Downed),
                     ("standby says it carries the tunnel", m => m.Carries), ("first ping answer (takeover time)", m => m.FirstAnswer),
                 })
            Console.WriteLine($"| {what} | {Stats.Seconds(pick(plain))} | {Stats.Seconds(pick(tls))} | " +
                              $"{Stats.Relative(pick(tls)?.TotalMilliseconds ?? double.NaN, pick(plain)?.TotalMilliseconds ?? double.NaN)} |");
        return 0;
    }

    private sealed record Means(TimeSpan? Unreachable, TimeSpan? Downed, TimeSpan? Carries, TimeSpan? FirstAnswer);

    /// <summary>Prints one arm's table and returns its means.</summary>
    private static Means Report(Options options, ClusterTransport transport, List<Result> results)
    {
        Console.WriteLine();
        Console.WriteLine($"Standby takeover over {transport.Name} on real wireguard-go: kill -9 of the primary's node and its wireguard-go → first answer to a ping " +
                          $"(every 200 ms) from the site to {StandbyLab.GatewayTunnelAddress}; 3 nodes on 127.0.0.1 (primary, standby, witness), " +
                          $"keep-majority, StableAfterSeconds {options.StableAfterSeconds}, Akka failure detector defaults; times after the kill, " +
                          "the standby's log lines timestamped on arrival");
        Console.WriteLine("| run | primary unreachable (failure detection) | primary downed (SBR decision) | standby says it carries the tunnel | first ping answer | detection + downing share |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var share = r.Downed is { } d && r.FirstAnswer is { } f && f > TimeSpan.Zero ? $"{d / f * 100:0} %" : "–";
            Console.WriteLine($"| {i + 1} | {Stats.Seconds(r.Unreachable)} | {Stats.Seconds(r.Downed)} | {Stats.Seconds(r.Carries)} | {Stats.Seconds(r.FirstAnswer)} | {share} |");
        }
        TimeSpan? Mean(Func<Result, TimeSpan?> pick)
        {
            var values = results.Select(pick).OfType<TimeSpan>().ToList();
            return values.Count == 0 ? null : TimeSpan.FromTicks((long)values.Average(v => v.Ticks));
        }
        var (mu, md, mc, mf) = (Mean(r => r.Unreachable), Mean(r => r.Downed), Mean(r => r.Carries), Mean(r => r.FirstAnswer));
        var meanShare = md is { } dd && mf is { } ff && ff > TimeSpan.Zero ? $"{dd / ff * 100:0} %" : "–";
        Console.WriteLine($"| mean | {Stats.Seconds(mu)} | {Stats.Seconds(md)} | {Stats.Seconds(mc)} | {Stats.Seconds(mf)} | {meanShare} |");
        if (mu is { } u && md is { } down && mc is { } carries && mf is { } first)
            Console.WriteLine($"mean split: failure detection {u.TotalSeconds:0.00} s, downing (stable-after and the resolver) {(down - u).TotalSeconds:0.00} s, " +
                              $"bringing the interface up {(carries - down).TotalSeconds:0.00} s, handshake and first answer {(first - carries).TotalSeconds:0.00} s");
        return new Means(mu, md, mc, mf);
    }

    private static async Task<Result> OnceAsync(Options options, ClusterTransport transport, CancellationToken cancellationToken)
    {
        var lab = await StandbyLab.CreateAsync(namespacePrefix: "wgcb", interfaceTag: "cb");
        var run = Guid.NewGuid().ToString("N")[..6];
        var (primary, standby, witness) = ($"gwa-{run}", $"gwb-{run}", $"wit-{run}");
        var admin = Enumerable.Range(0, 3).Select(_ => SupervisorProcess.FreePort()).ToArray();
        var cluster = Enumerable.Range(0, 3).Select(_ => SupervisorProcess.FreePort()).ToArray();
        var tunnel = $"hq-{run}";
        SupervisorProcess? a = null, b = null, w = null;
        Process? ping = null;
        try
        {
            a = await ClusterNode.StartAsync(primary, Config(options, transport, primary, 0, admin, cluster, new
            {
                Name = tunnel, Interface = lab.PrimaryInterface, PeerPublicKey = lab.SitePublicKey, Namespace = lab.PrimaryNamespace,
                WgQuickConfig = lab.PrimaryConf, Standby = standby, Probe = Probe(),
            }), admin[0], cancellationToken);
            b = await ClusterNode.StartAsync(standby, Config(options, transport, standby, 1, admin, cluster, new
            {
                Name = tunnel, Interface = lab.StandbyInterface, PeerPublicKey = lab.SitePublicKey, Namespace = lab.StandbyNamespace,
                WgQuickConfig = lab.StandbyConf, Primary = primary, Probe = Probe(),
            }), admin[1], cancellationToken);
            w = await ClusterNode.StartAsync(witness, Config(options, transport, witness, 2, admin, cluster, null), admin[2], cancellationToken);

            await b.WaitUntilAsync($"{primary} carries {tunnel}, healthy, as {standby} sees it", Limit, () => CarriesAsync(b, tunnel, primary), cancellationToken);
            await b.WaitUntilAsync("the site pings the gateway through the primary", Limit, () => lab.SitePingsGatewayAsync(), cancellationToken);
            if (WireGuardLab.FindWireGuardGo(lab.StandbyInterface) is not null) return new Result(null, null, null, null, "the standby's interface was up before the kill");
            var wireGuardGo = WireGuardLab.FindWireGuardGo(lab.PrimaryInterface) ?? throw new InvalidOperationException("no wireguard-go for the primary's interface");
            // A few quiet seconds: heartbeats and the pub-sub view in their steady state.
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);

            // kill -9 of the primary's node and its wireguard-go, by PID, back to back.
            using (var wg = Process.GetProcessById(wireGuardGo))
            {
                a.Kill(waitForExit: false);
                wg.Kill();
            }
            var killed = Stopwatch.GetTimestamp();
            var killedWall = DateTimeOffset.UtcNow;
            ping = StartPing(lab.SiteNamespace, options.DeadlineSeconds);
            var firstAnswer = await FirstAnswerAsync(ping, killedWall, options.DeadlineSeconds, cancellationToken);
            // The standby's lines may arrive a moment after the ping is answered.
            await b.WaitUntilAsync("the standby logs that it carries the tunnel", TimeSpan.FromSeconds(30),
                () => Task.FromResult(b.Log.FirstSince("this node carries it now", killed) is not null), cancellationToken);
            return new Result(
                b.Log.FirstSince($"Node {primary} is Unreachable", killed),
                b.Log.FirstSince($"Node {primary} is Down", killed),
                b.Log.FirstSince("this node carries it now", killed),
                firstAnswer,
                firstAnswer is null ? $"no answer within {options.DeadlineSeconds} s" : null);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or LabException)
        {
            foreach (var node in new[] { a, b, w }) if (node is not null) Console.Error.WriteLine($"--- {node.Name}\n{node.Log.Tail(30)}");
            return new Result(null, null, null, null, e.Message.Split('\n')[0]);
        }
        finally
        {
            if (ping is not null)
            {
                if (!ping.HasExited) ping.Kill(entireProcessTree: true);
                await ping.WaitForExitAsync(CancellationToken.None);
                ping.Dispose();
            }
            foreach (var node in new[] { a, b, w }) if (node is not null) await node.DisposeAsync();
            await lab.DisposeAsync();
            var left = lab.Leftovers();
            if (left.Count > 0) Console.WriteLine($"warning: left over: {string.Join(", ", left)}");
        }
    }

    /// <summary>`ping -D -i 0.2` in the site's namespace, ended by its deadline (-w) at the latest.</summary>
    private static Process StartPing(string siteNamespace, int deadlineSeconds)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", siteNamespace, "ping", "-n", "-D", "-i", "0.2", "-W", "1",
                     "-w", deadlineSeconds.ToString(CultureInfo.InvariantCulture), StandbyLab.GatewayTunnelAddress })
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("ping did not start");
    }

    /// <summary>The first echo reply's time stamp (ping -D), as time after the kill; null when the deadline passed without one.</summary>
    private static async Task<TimeSpan?> FirstAnswerAsync(Process ping, DateTimeOffset killed, int deadlineSeconds, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(deadlineSeconds + 5));
        try
        {
            while (await ping.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                var match = Regex.Match(line, @"^\[(\d+\.\d+)\] \d+ bytes from ");
                if (!match.Success) continue;
                var at = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000));
                return at - killed;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return null;
    }

    private static async Task<bool> CarriesAsync(SupervisorProcess asked, string tunnel, string node)
    {
        try
        {
            var tunnels = System.Text.Json.Nodes.JsonNode.Parse(await asked.Http.GetStringAsync("/api/tunnels"))!.AsArray();
            return tunnels.Any(t => t!["name"]!.GetValue<string>() == tunnel && t["node"]!.GetValue<string>() == node &&
                                    t["state"]!.GetValue<string>() == "healthy");
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static object Probe() => new { Kind = "icmp", Address = StandbyLab.SiteTunnelAddress, IntervalSeconds = 1, TimeoutSeconds = 0.8 };

    /// <summary>StandbyTests' configuration, with the split-brain resolver's stable-after as an option.</summary>
    private static System.Text.Json.Nodes.JsonObject Config(Options options, ClusterTransport transport, string node, int index, int[] admin, int[] cluster,
        object? tunnel) => transport.Apply(new
    {
        NodeName = node,
        Admin = new { Url = $"http://127.0.0.1:{admin[index]}" },
        PollIntervalSeconds = 1,
        Discover = false,
        Journal = new { Provider = "PostgreSql", ConnectionString = options.Postgres },
        Cluster = new
        {
            Enabled = true, Hostname = "127.0.0.1", Port = cluster[index],
            SeedNodes = new[] { transport.Seed(cluster[0]), transport.Seed(cluster[1]) },
            SplitBrain = new { Strategy = "keep-majority", StableAfterSeconds = options.StableAfterSeconds },
        },
        Defaults = new { StaleAfterSeconds = 150, VerifyTimeoutSeconds = 10 },
        Tunnels = tunnel is null ? Array.Empty<object>() : [tunnel],
    }, index);
}
