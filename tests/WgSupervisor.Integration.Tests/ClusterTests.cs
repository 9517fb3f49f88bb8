using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using static WgSupervisor.Integration.Tests.Support.ClusterAdmin;
using WgSupervisor.WireGuard.Simulation;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Three gateways, each a real supervisor process in its own network namespace on a shared LAN, talking over mutual
/// TLS (certificates from the real `wgsupervisor certs` command, akka.ssl.tcp seed nodes), with the PostgreSQL journal
/// and simulated tunnels: one view from every node, the cluster-wide restart budget (at most C in flight, never two for
/// one site), a node killed and rejoining, a command sent to the wrong node carried out by the owner, and a partition
/// resolved by downing the minority.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const int Nodes = 3;
    private static readonly string[] MembershipWords = ["cluster", "member", "join", "seed", "leader", "down", "association", "quarantin", "tls", "singleton"];

    private const int TunnelsPerNode = 4;
    private const int Budget = 3;
    /// <summary>The LAN, 10.250.220.0/24: apart from ClusterTlsRefusalTests' and from the 10.250.200.0/24 of earlier versions of this test.</summary>
    private const int Subnet = 220;
    private static readonly string[] SharedSites = ["site-a", "site-b"];

    private readonly Dictionary<int, StringBuilder> _logs = new();
    private string? _certificates;

    [SkippableFact]
    public async Task Three_gateways_share_one_view_one_budget_survive_a_kill_route_commands_and_resolve_a_partition()
    {
        Prerequisites.RequireWireGuardLab();
        var postgres = Prerequisites.RequirePostgres();
        var lab = await ClusterLab.CreateAsync(Nodes, Subnet);
        using var config = new SupervisorConfigFile(new { });
        var run = Guid.NewGuid().ToString("N")[..6];
        var processes = new Dictionary<int, Process>();
        var clients = Enumerable.Range(1, Nodes).ToDictionary(n => n, n => Client(lab, n));
        try
        {
            // Inside the try: a forwarder that cannot bind must still leave no namespace behind.
            var journal = lab.ExposePostgres(postgres);
            _certificates = (await lab.IssueCertificatesAsync("cluster", Enumerable.Range(1, Nodes))).Directory;
            output.WriteLine(ClusterTls.Describe(_certificates, Enumerable.Range(1, Nodes)));

            // (a) every node lists every node's tunnels. How soon is printed, not asserted: speed is the propagation benchmark's
            // (docs/benchmarks.md), and a 10-s bound here was within reach of a loaded 2-core CI machine running three nodes.
            for (var node = 1; node <= Nodes; node++) processes[node] = Start(lab, config, node, run, journal);
            foreach (var node in processes.Keys) await WaitAsync($"n{node} answers", TimeSpan.FromSeconds(90), () => HealthyAsync(clients[node]));
            var allStarted = Stopwatch.StartNew();
            foreach (var node in processes.Keys)
                await WaitAsync($"n{node} lists all {Nodes * TunnelsPerNode} tunnels", TimeSpan.FromSeconds(60),
                    async () => (await TunnelsAsync(clients[node])).Count == Nodes * TunnelsPerNode);
            output.WriteLine($"(a) every node listed all tunnels {allStarted.Elapsed.TotalSeconds:0.0} s after the last node answered");
            var nodes = await GetAsync(clients[2], "/api/nodes");
            Assert.Equal(Nodes, nodes.AsArray().Count(n => n!["status"]!.GetValue<string>() == "up"));
            // The members know each other by their TLS addresses: the cluster formed over akka.ssl.tcp, not plain TCP.
            Assert.All(nodes.AsArray(), n => Assert.StartsWith("akka.ssl.tcp://", n!["address"]!.GetValue<string>()));
            output.WriteLine($"(a) members: {string.Join(", ", nodes.AsArray().Select(n => $"{n!["address"]} (certificate expires {n["certificateExpiresAt"]})"))}");

            // (b) tunnels on all nodes break and are repaired: never more than C in flight, never two for one site.
            await WaitAsync("repairs on every node", TimeSpan.FromSeconds(60), async () =>
                (await EventsAsync(clients[1], "repair-finished")).Select(e => e["node"]!.GetValue<string>()).Where(n => n.EndsWith(run)).Distinct().Count() == Nodes);

            // (c) kill -9 of n1 (the oldest: it hosts the budget singleton).
            processes[1].Kill(entireProcessTree: true);
            // Taken once the process is gone: every event n1 stamped is older (a stamp taken before the kill could be
            // followed by a repair n1 started in the milliseconds the signal took, on a busy machine).
            processes[1].WaitForExit(10_000);
            var killedAt = DateTimeOffset.UtcNow;
            var downClock = Stopwatch.StartNew();
            // Failure detection, then StableAfterSeconds 10 before the resolver downs n1: ~15 s on an idle machine (the takeover benchmark's
            // figures); bounded at 60 s, not 30, as detection and downing run on the loaded machine's timers and threads too.
            await WaitAsync("n1 is down and its tunnels shown as node-down on n2 and n3", TimeSpan.FromSeconds(60), async () =>
            {
                foreach (var other in new[] { 2, 3 })
                {
                    var n1 = (await GetAsync(clients[other], "/api/nodes")).AsArray().FirstOrDefault(n => n!["name"]!.GetValue<string>() == $"n1-{run}");
                    if (n1?["status"]?.GetValue<string>() != "down") return false;
                    var tunnels = (await TunnelsAsync(clients[other])).Where(t => t["node"]!.GetValue<string>() == $"n1-{run}").ToList();
                    if (tunnels.Count != TunnelsPerNode || tunnels.Any(t => t["state"]!.GetValue<string>() != "node-down")) return false;
                }
                return true;
            });
            output.WriteLine($"(c) n1 marked down with its tunnels 'node-down' {downClock.Elapsed.TotalSeconds:0.0} s after the kill");
            var afterHandover = DateTimeOffset.UtcNow;
            await WaitAsync("the moved budget keeps granting", TimeSpan.FromSeconds(60), async () =>
                (await EventsAsync(clients[2], "repair-started")).Any(e => e["at"]!.GetValue<DateTimeOffset>() > afterHandover &&
                                                                         e["node"]!.GetValue<string>().EndsWith(run)));
            var n1Back = DateTimeOffset.UtcNow;
            processes[1] = Start(lab, config, 1, run, journal);
            await WaitAsync("n1 rejoined and shows its tunnels again", TimeSpan.FromSeconds(90), async () =>
            {
                var n1 = (await GetAsync(clients[3], "/api/nodes")).AsArray().FirstOrDefault(n => n!["name"]!.GetValue<string>() == $"n1-{run}");
                var tunnels = (await TunnelsAsync(clients[3])).Where(t => t["node"]!.GetValue<string>() == $"n1-{run}").ToList();
                return n1?["status"]?.GetValue<string>() == "up" && tunnels.Count == TunnelsPerNode &&
                       tunnels.All(t => t["state"]!.GetValue<string>() != "node-down");
            });

            // (d) a restart sent to n2 for a tunnel of n3 is carried out by n3.
            var tunnelOfN3 = $"n3-{run}-t3";
            // The tunnel may be busy with its own repairs: ask until n3 queues a repair of the operator's own (202, not 409).
            await WaitAsync("n3 queued the operator's restart sent to n2", TimeSpan.FromSeconds(60), async () =>
            {
                var answer = await clients[2].PostAsync($"/api/tunnels/{tunnelOfN3}/restart", null);
                return answer.IsSuccessStatusCode && (await answer.Content.ReadAsStringAsync()).Contains("queued for a repair permit");
            });
            await WaitAsync("n3 ran the restart asked on n2", TimeSpan.FromSeconds(60), async () =>
                (await EventsAsync(clients[1], "repair-started", tunnelOfN3)).Any(e =>
                    e["node"]!.GetValue<string>() == $"n3-{run}" && e["requestedBy"]!.GetValue<string>().Contains($"on node n2-{run}")));

            // (e) n3 cut off from n1 and n2: the resolver downs the minority (n3 stops), the majority goes on, n3 rejoins after healing.
            await lab.PartitionAsync(3, [1, 2]);
            var partitionedAt = DateTimeOffset.UtcNow;
            await WaitAsync("n3 downed itself and stopped", TimeSpan.FromSeconds(60), () => Task.FromResult(processes[3].HasExited));
            var n3Stopped = DateTimeOffset.UtcNow;
            Assert.NotEqual(0, processes[3].ExitCode); // non-zero: a service manager starts it again
            await WaitAsync("the majority goes on repairing", TimeSpan.FromSeconds(60), async () =>
                (await EventsAsync(clients[1], "repair-started")).Any(e => e["at"]!.GetValue<DateTimeOffset>() > n3Stopped &&
                                                                         e["node"]!.GetValue<string>() is var n && n.EndsWith(run) && n != $"n3-{run}"));
            Assert.DoesNotContain(await EventsAsync(clients[1], "repair-started"), e =>
                e["node"]!.GetValue<string>() == $"n3-{run}" && e["at"]!.GetValue<DateTimeOffset>() > n3Stopped);
            await lab.HealAsync(3);
            var n3Back = DateTimeOffset.UtcNow;
            processes[3] = Start(lab, config, 3, run, journal);
            await WaitAsync("n3 rejoined after healing", TimeSpan.FromSeconds(90), async () =>
                (await GetAsync(clients[1], "/api/nodes")).AsArray().Any(n =>
                    n!["name"]!.GetValue<string>() == $"n3-{run}" && n["status"]!.GetValue<string>() == "up"));

            // The budget, over the whole run, from the shared journal.
            // The journal is shared with other runs: only this run's nodes count.
            var events = (await AllEventsAsync(clients[1])).Where(e => e["node"]!.GetValue<string>().EndsWith(run)).ToList();
            var (peak, peakPerSite, fallback, cutOff, atPeak) = Concurrency(events, new Dictionary<string, (DateTimeOffset, DateTimeOffset)>
            {
                [$"n1-{run}"] = (killedAt, n1Back), [$"n3-{run}"] = (partitionedAt, n3Back),
            });
            output.WriteLine($"(b) {events.Count(e => e["type"]!.GetValue<string>() == "repair-started")} repairs; at most {peak} in flight " +
                             $"(budget {Budget}), at most {peakPerSite} per site; {fallback} under a local fallback, {cutOff} on n3 while cut off");
            Assert.True(peak <= Budget, $"{peak} repairs in flight at once, budget {Budget}: {atPeak}");
            Assert.True(peakPerSite <= 1, $"{peakPerSite} repairs of one site in flight at once");
        }
        catch
        {
            foreach (var (node, log) in _logs)
            {
                // Membership first (joins, seeds, downing, associations): a tunnel's chatter fills the tail.
                var membership = log.ToString().Split('\n').Where(l => MembershipWords.Any(w => l.Contains(w, StringComparison.OrdinalIgnoreCase))).TakeLast(60);
                output.WriteLine($"--- n{node}: membership\n{string.Join('\n', membership)}\n--- n{node}: last lines\n{SupervisorProcess.Tail(log.ToString(), 40)}");
            }
            throw;
        }
        finally
        {
            foreach (var client in clients.Values) client.Dispose();
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private Process Start(ClusterLab lab, SupervisorConfigFile config, int node, string run, string journal)
    {
        var path = Path.Combine(config.Directory, $"n{node}.json");
        File.WriteAllText(path, SupervisorProcess.ToJson(new
        {
            NodeName = $"n{node}-{run}",
            Admin = new { Url = $"http://{lab.NodeAddress(node)}:{ClusterAdmin.Port}" },
            PollIntervalSeconds = 1,
            MaxConcurrentRestarts = 2,
            Discover = false,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = TunnelsPerNode, Seed = node, BreakEverySeconds = 1.5, RepairSeconds = 0.5, FixProbability = 0.5 },
            Journal = new { Provider = "PostgreSql", ConnectionString = journal },
            Cluster = new
            {
                Enabled = true, Hostname = lab.NodeAddress(node), Port = 4053, MaxConcurrentRestarts = Budget,
                SeedNodes = new[] { $"akka.ssl.tcp://wgsupervisor@{lab.NodeAddress(1)}:4053", $"akka.ssl.tcp://wgsupervisor@{lab.NodeAddress(2)}:4053" },
                Tls = ClusterTls.Settings(_certificates!, node),
                SplitBrain = new { Strategy = "keep-majority", StableAfterSeconds = 10 },
            },
            Defaults = new
            {
                StaleAfterSeconds = 3, VerifyTimeoutSeconds = 2, Backoff = new { BaseSeconds = 1, Factor = 2, CapSeconds = 4 },
                Repair = new[] { "restart-interface" }, Quarantine = new { MaxRepairs = 1000 },
            },
            Tunnels = Enumerable.Range(0, TunnelsPerNode).Select(k => new
            {
                Name = $"n{node}-{run}-t{k}",
                Interface = SimulatedWireGuard.InterfaceName(k),
                PeerPublicKey = SimulatedWireGuard.PeerKey(node, k),
                Namespace = "sim",
                WgQuickConfig = $"/etc/wireguard/{SimulatedWireGuard.InterfaceName(k)}.conf",
                Site = k < SharedSites.Length ? SharedSites[k] : $"n{node}-site{k}",
            }).ToArray(),
        }));
        var log = _logs[node] = new StringBuilder();
        return lab.StartNode(node, path, line => { lock (log) log.AppendLine(line); });
    }

    private static async Task<List<JsonNode>> TunnelsAsync(HttpClient client) => (await GetAsync(client, "/api/tunnels")).AsArray().Select(t => t!).ToList();

    private static async Task<List<JsonNode>> EventsAsync(HttpClient client, string type, string? tunnel = null)
    {
        var all = new List<JsonNode>();
        long? after = 0;
        for (var page = 0; page < 200 && after is not null; page++)
        {
            var json = await GetAsync(client, $"/api/events?limit=1000&type={type}&after={after}" + (tunnel is null ? "" : $"&tunnel={tunnel}"));
            all.AddRange(json["events"]!.AsArray().Select(e => e!.DeepClone()));
            after = json["next"]?.GetValue<long>();
        }
        return all;
    }

    private static async Task<List<JsonNode>> AllEventsAsync(HttpClient client)
    {
        var all = new List<JsonNode>();
        long? after = 0;
        for (var page = 0; page < 500 && after is not null; page++)
        {
            var json = await GetAsync(client, $"/api/events?limit=1000&after={after}");
            all.AddRange(json["events"]!.AsArray().Select(e => e!.DeepClone()));
            after = json["next"]?.GetValue<long>();
        }
        return all;
    }

    /// <summary>
    /// Peak repairs in flight, overall and per site, from repair-started/repair-finished pairs; repairs made under
    /// a local fallback (the budget unreachable) are counted apart, and a repair of a node that was killed or cut
    /// off ends there (its "interrupted" record is written only when the node is back). Repairs a node started while
    /// it was cut off from the others (before it downed itself) are counted apart too: on the minority's side of a
    /// partition the budget is the minority's own (its singleton, when the minority held it, or a local fallback).
    /// </summary>
    /// <param name="nodeAway">Per node, from when it was killed or cut off until it was started again.</param>
    private static (int Peak, int PeakPerSite, int Fallback, int CutOff, string AtPeak) Concurrency(List<JsonNode> events,
        Dictionary<string, (DateTimeOffset From, DateTimeOffset Until)> nodeAway)
    {
        var cutOff = 0;
        var intervals = new List<(DateTimeOffset Start, DateTimeOffset End, string Site)>();
        var names = new List<string>();
        var fallback = 0;
        foreach (var tunnel in events.GroupBy(e => (Node: e["node"]!.GetValue<string>(), Tunnel: e["tunnel"]!.GetValue<string>())))
        {
            var ordered = tunnel.OrderBy(e => e["seq"]!.GetValue<long>()).ToList();
            var site = tunnel.Key.Tunnel.Contains("-t0") ? "site-a" : tunnel.Key.Tunnel.Contains("-t1") ? "site-b" : tunnel.Key.Tunnel;
            for (var i = 0; i < ordered.Count; i++)
            {
                if (ordered[i]["type"]!.GetValue<string>() != "repair-started") continue;
                var start = ordered[i]["at"]!.GetValue<DateTimeOffset>();
                if (i > 0 && ordered[i - 1]["type"]!.GetValue<string>() == "budget-fallback")
                {
                    fallback++;
                    continue;
                }
                var finish = ordered.Skip(i + 1).FirstOrDefault(e => e["type"]!.GetValue<string>() == "repair-finished");
                var end = finish?["at"]!.GetValue<DateTimeOffset>() ?? DateTimeOffset.MaxValue;
                if (nodeAway.TryGetValue(tunnel.Key.Node, out var away))
                {
                    if (start >= away.From && start < away.Until)
                    {
                        cutOff++;
                        continue;
                    }
                    if (start < away.From && end > away.From) end = away.From;
                }
                intervals.Add((start, end, site));
                names.Add(tunnel.Key.Tunnel);
            }
        }
        int Peak(IEnumerable<(DateTimeOffset Start, DateTimeOffset End, string Site)> set) =>
            set.SelectMany(i => new[] { (At: i.Start, Delta: 1), (At: i.End, Delta: -1) })
                .OrderBy(p => p.At).ThenBy(p => p.Delta)
                .Aggregate((Current: 0, Max: 0), (acc, p) => (acc.Current + p.Delta, Math.Max(acc.Max, acc.Current + p.Delta))).Max;
        var peak = Peak(intervals);
        // Which repairs overlapped at the first moment of the peak (to tell a budget breach from a clock race).
        var atPeak = intervals.Select(i => i.Start).Where(t => intervals.Count(i => i.Start <= t && i.End > t) == peak).Select(t =>
            string.Join("; ", intervals.Select((i, k) => (i, k)).Where(x => x.i.Start <= t && x.i.End > t)
                .Select(x => $"{names[x.k]} {x.i.Start:HH:mm:ss.fff}-{(x.i.End == DateTimeOffset.MaxValue ? "open" : x.i.End.ToString("HH:mm:ss.fff"))}"))).FirstOrDefault() ?? "";
        return (peak, intervals.GroupBy(i => i.Site).Select(g => Peak(g)).DefaultIfEmpty(0).Max(), fallback, cutOff, atPeak);
    }

}
