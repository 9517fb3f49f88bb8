using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Readiness that means ready. A supervisor (simulated backend) runs once to learn its tunnels; their journal then gets
/// thousands of events more through the tunnels' own persistent writer; the supervisor starts again on it and is asked
/// from its first answer on: /readyz is 503 and /api/tunnels shows tunnels "recovering" (the journal's state beside it,
/// never a default state) until every tunnel has recovered and been observed once; then /readyz is 200 and stays so.
/// </summary>
public sealed class ReadinessTests(ITestOutputHelper output)
{
    private const string Node = "ready";
    private const int Tunnels = 8;
    private const int CyclesPerTunnel = 500;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task After_a_restart_on_thousands_of_events_readyz_is_503_and_tunnels_read_recovering_until_all_recovered_and_observed()
    {
        using var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        config.Write(new
        {
            NodeName = Node,
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = 1,
            Backend = "Simulated",
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels, BreakEverySeconds = 1000, Seed = 13, StateFile = Path.Combine(config.Directory, "world.json") },
            // No snapshot for the length of this test: a restart replays every event.
            Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath, SnapshotEvery = 1_000_000 },
        });
        var start = new SupervisorStart(config.FilePath) { BaseUrl = new Uri($"http://127.0.0.1:{port}"), Poll = TimeSpan.FromMilliseconds(20) };

        IReadOnlyList<string> names;
        await using (var first = await SupervisorProcess.StartAsync(start))
        {
            await first.WaitUntilAsync("the first run's tunnels recovered and observed", Limit, async () =>
                (await first.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
            names = (await first.GetJsonAsync("/api/tunnels")).AsArray().Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
            await first.StopAsync();
        }
        Assert.Equal(Tunnels, names.Count);
        var paused = names[0];
        var written = await SeedAsync(config.JournalPath, names, paused);
        output.WriteLine($"{written} events written to the journal for {names.Count} tunnels");
        Assert.True(written >= 1000 * 4, $"thousands of events ({written})");

        await using var supervisor = await SupervisorProcess.StartAsync(start);
        var readiness = new List<HttpStatusCode>();
        var recoveringSeen = 0;
        var answers = 0;
        var clock = Stopwatch.StartNew();
        for (var ready = 0; ready < 5 && clock.Elapsed < Limit; await Task.Delay(20))
        {
            var status = (await supervisor.Http.GetAsync("/readyz")).StatusCode;
            readiness.Add(status);
            if (status == HttpStatusCode.OK) ready++;
            var list = (await supervisor.GetJsonAsync("/api/tunnels")).AsArray().Select(t => t!.AsObject()).ToList();
            answers++;
            foreach (var tunnel in list) CheckNoDefaultState(tunnel, paused);
            recoveringSeen += list.Count(t => t["state"]!.GetValue<string>() == "recovering");
        }
        output.WriteLine($"{answers} list answers, {recoveringSeen} recovering tunnels seen in them; /readyz: {Runs(readiness)} " +
                         $"({clock.Elapsed.TotalSeconds:0.0} s)");

        // 503 first, then 200 for good.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness[0]);
        var firstReady = readiness.IndexOf(HttpStatusCode.OK);
        Assert.True(firstReady > 0, "/readyz became 200 within the limit");
        Assert.All(readiness.Skip(firstReady), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(recoveringSeen > 0, "the list showed tunnels recovering before readiness");
        // Ready: every tunnel recovered and observed, the paused one still paused.
        var final = (await supervisor.GetJsonAsync("/api/tunnels")).AsArray().Select(t => t!.AsObject()).ToList();
        Assert.Equal(names, final.Select(t => t["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(final, t => Assert.NotEqual("recovering", t["state"]!.GetValue<string>()));
        Assert.Equal("paused", final.Single(t => t["name"]!.GetValue<string>() == paused)["state"]!.GetValue<string>());
        var fleet = await supervisor.GetJsonAsync("/api/fleet");
        Assert.True(fleet["recovered"]!.GetValue<bool>());
        Assert.Empty(fleet["recoveringTunnels"]!.AsArray());
    }

    /// <summary>"503×12 200×5": the answers in runs.</summary>
    private static string Runs(List<HttpStatusCode> statuses)
    {
        var runs = new List<(int Status, int Count)>();
        foreach (var status in statuses.Select(s => (int)s))
            if (runs.Count > 0 && runs[^1].Status == status) runs[^1] = (status, runs[^1].Count + 1);
            else runs.Add((status, 1));
        return string.Join(" ", runs.Select(r => $"{r.Status}×{r.Count}"));
    }

    /// <summary>
    /// A tunnel is either recovering — beside it the journal's state once read, never anything else — or observed. The one
    /// paused in the journal is never shown in another state.
    /// </summary>
    private static void CheckNoDefaultState(JsonObject tunnel, string paused)
    {
        var name = tunnel["name"]!.GetValue<string>();
        var state = tunnel["state"]!.GetValue<string>();
        var lastKnown = tunnel["lastKnownState"]?.GetValue<string>();
        if (state == "recovering")
        {
            Assert.True(lastKnown is null || lastKnown == (name == paused ? "paused" : "healthy"), $"{name}: recovering beside {lastKnown}");
            return;
        }
        Assert.True(tunnel["observedAt"]?.GetValue<DateTimeOffset>() is not null, $"{name} shown {state} before it was observed");
        if (name == paused) Assert.Equal("paused", state);
    }

    /// <summary>
    /// Thousands of events through the tunnels' own persistent writer (and the host's journal settings and serializer): each
    /// tunnel goes stale, is repaired and is healthy again, many times over; the first ends paused.
    /// </summary>
    private static async Task<int> SeedAsync(string journalPath, IReadOnlyList<string> names, string paused)
    {
        var journal = new JournalSettings(JournalProvider.Sqlite, journalPath, null, SnapshotEvery: 1_000_000);
        using var system = ActorSystem.Create("seed", HistoryJournal.ActorSystemConfig(journal, logLevel: "WARNING"));
        try
        {
            var written = 0;
            var at = DateTimeOffset.UtcNow.AddDays(-1);
            foreach (var name in names)
            {
                var events = new List<ITunnelEvent>();
                for (var cycle = 0; cycle < CyclesPerTunnel; cycle++)
                {
                    at = at.AddSeconds(10);
                    events.Add(new TunnelWentStale(at, StaleReason.HandshakeTooOld, "handshake 190 s old (limit 180 s)"));
                    events.Add(new RepairStarted(at.AddSeconds(1), RepairRung.RestartInterface, 1, "supervisor"));
                    events.Add(new RepairFinished(at.AddSeconds(2), RepairRung.RestartInterface, RepairOutcome.Succeeded, TimeSpan.FromSeconds(1), "restarted", 1));
                    events.Add(new TunnelBecameHealthy(at.AddSeconds(3), "handshake 1 s old"));
                }
                if (name == paused) events.Add(new TunnelPaused(at.AddSeconds(4), "readiness test", "maintenance window"));
                var writer = system.ActorOf(TunnelJournal.Props(TunnelActor.PersistenceIdFor(Node, name), new HistorySettings(SnapshotEvery: 0)));
                foreach (var batch in events.Chunk(500))
                    await writer.Ask<TunnelJournal.Written>(new TunnelJournal.Write(batch), TimeSpan.FromSeconds(60));
                written += events.Count;
                await writer.GracefulStop(TimeSpan.FromSeconds(10));
            }
            return written;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
