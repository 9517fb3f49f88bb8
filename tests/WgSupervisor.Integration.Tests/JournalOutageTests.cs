using System.Diagnostics;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// PostgreSQL, the cluster's journal, is stopped for 60 s while the supervisor repairs simulated tunnels:
/// supervision and repair go on, /healthz says the journal is degraded, and when the database is back the
/// history catches up — no actor death spiral, no lost tunnel.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class JournalOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Sixty_seconds_without_postgresql_supervision_goes_on_and_the_history_catches_up()
    {
        var connectionString = Prerequisites.RequirePostgres();
        var node = $"outage{Guid.NewGuid():N}"[..14];
        using var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(new
        {
            NodeName = node,
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = 0.5,
            MaxConcurrentRestarts = 3,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = 10, BreakEverySeconds = 1, RepairSeconds = 0.2, FixProbability = 0.7 },
            Journal = new { Provider = "PostgreSql", ConnectionString = connectionString },
            Defaults = new
            {
                StaleAfterSeconds = 3, VerifyTimeoutSeconds = 2,
                Backoff = new { BaseSeconds = 1, Factor = 2, CapSeconds = 4 },
                Repair = new[] { "restart-interface" },
                Quarantine = new { MaxRepairs = 1000 },
            },
        }));
        await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
        await supervisor.WaitUntilAsync("first events in the journal", TimeSpan.FromSeconds(60), async () => (await EventsAsync(supervisor)).Count > 5);

        var repairsBefore = await RepairCountAsync(supervisor);
        var outageStart = DateTimeOffset.UtcNow;
        Postgres("stop");
        var sawDegraded = false;
        try
        {
            var clock = Stopwatch.StartNew();
            for (var round = 0; round < 200 && clock.Elapsed < Outage; round++)
            {
                var health = await supervisor.Http.GetAsync("/healthz");
                Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
                var body = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
                sawDegraded |= body["checks"]!["journal"]!["status"]!.GetValue<string>() != "healthy";
                Assert.False(supervisor.HasExited, "the supervisor died during the outage");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
        finally
        {
            Postgres("start");
        }
        var outageEnd = DateTimeOffset.UtcNow;
        var repairsDuring = await RepairCountAsync(supervisor) - repairsBefore;
        output.WriteLine($"repairs during the outage: {repairsDuring}");
        Assert.True(sawDegraded, "/healthz reported the journal as degraded during the outage");
        Assert.True(repairsDuring > 5, $"repairs went on during the outage ({repairsDuring})");
        Assert.Equal(10, (await supervisor.GetJsonAsync("/api/tunnels")).AsArray().Count);

        await supervisor.WaitUntilAsync("the history backlog drained", TimeSpan.FromSeconds(120), async () =>
            (await supervisor.GetJsonAsync("/api/fleet"))["pendingHistoryEvents"]!.GetValue<int>() == 0 &&
            (await supervisor.Http.GetAsync("/readyz")).IsSuccessStatusCode);
        var events = await EventsAsync(supervisor);
        var writtenLate = events.Count(e => e!["at"]!.GetValue<DateTimeOffset>() is var at && at > outageStart && at < outageEnd);
        var gaps = events.Count(e => e!["type"]!.GetValue<string>() == "history-gap");
        output.WriteLine($"{writtenLate} events from the outage reached the journal afterwards; {gaps} gap record(s)");
        Assert.True(writtenLate > 0 || gaps > 0, "the history caught up (or recorded its gap)");
    }

    private static async Task<JsonArray> EventsAsync(SupervisorProcess supervisor)
    {
        var all = new JsonArray();
        long? after = 0;
        for (var page = 0; page < 100 && after is not null; page++)
        {
            var json = await supervisor.GetJsonAsync($"/api/events?limit=1000&after={after}");
            foreach (var e in json["events"]!.AsArray().ToList()) all.Add(e!.DeepClone());
            after = json["next"]?.GetValue<long>();
        }
        return all;
    }

    private static async Task<int> RepairCountAsync(SupervisorProcess supervisor) =>
        (await supervisor.GetJsonAsync("/api/tunnels")).AsArray().Sum(t => t!["restartCount"]!.GetValue<int>());

    private static void Postgres(string action)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Prerequisites.RepositoryRoot, "scripts", "postgres.sh"), action])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        if (!process.WaitForExit(60_000)) throw new TimeoutException($"postgres.sh {action} did not finish");
        Assert.True(process.ExitCode == 0, $"postgres.sh {action}: {process.StandardError.ReadToEnd()}");
    }
}
