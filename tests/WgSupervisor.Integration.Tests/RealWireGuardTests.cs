using Microsoft.Data.Sqlite;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The supervisor as a real process against real wireguard-go tunnels in network namespaces, with its
/// history in a real SQLite file. Each test builds its own lab and checks that nothing of it is left.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class RealWireGuardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan EpisodeLimit = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task A_site_that_starts_down_goes_stale_restarting_backoff_then_healthy_when_it_comes_up()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5, SitesStartDown: true));
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath)));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));

            await supervisor.WaitForEventSequenceAsync("site1", EpisodeLimit, "stale", "repair-started", "repair-finished", "backoff");
            var failedRepair = (await supervisor.EventsAsync("site1")).First(e => e!["type"]!.GetValue<string>() == "repair-finished")!;
            Assert.Equal("VerifyTimedOut", failedRepair["outcome"]!.GetValue<string>());
            Assert.Equal("restart-interface", failedRepair["rung"]!.GetValue<string>());

            await lab.SiteUpAsync(lab.Sites[0]);
            await supervisor.WaitForEventSequenceAsync("site1", EpisodeLimit, "stale", "repair-started", "repair-finished", "backoff", "healthy");

            var events = await supervisor.EventsAsync("site1");
            output.WriteLine(events.ToJsonString());
            Assert.Equal("NeverHandshaken", events.First(e => e!["type"]!.GetValue<string>() == "stale")!["reason"]!.GetValue<string>());
            Assert.True(await lab.PingAsync(lab.Sites[0], waitSeconds: LabBehaviour.PingWaitSeconds), "the tunnel passes traffic once healthy");
            Assert.Equal(events.Count, CountJournalRows(config.JournalPath, "tunnel:itest:site1"));
            AssertNoSecretsIn(supervisor.Output, lab);
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    [SkippableFact]
    public async Task When_the_gateways_wireguard_go_is_killed_the_supervisor_brings_the_interface_back()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5));
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath, staleAfterSeconds: 150)));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", EpisodeLimit);

            await lab.KillGatewayProcessAsync(lab.Sites[0]);

            await supervisor.WaitForEventSequenceAsync("site1", EpisodeLimit, "healthy", "stale", "repair-started", "repair-finished", "healthy");
            var events = await supervisor.EventsAsync("site1");
            output.WriteLine(events.ToJsonString());
            var stale = events.First(e => e!["type"]!.GetValue<string>() == "stale")!;
            Assert.Equal("InterfaceMissing", stale["reason"]!.GetValue<string>());
            var repaired = events.Last(e => e!["type"]!.GetValue<string>() == "repair-finished")!;
            Assert.Equal("Succeeded", repaired["outcome"]!.GetValue<string>());
            Assert.NotNull(WireGuardLab.FindWireGuardGo(lab.Sites[0].GatewayInterface));
            Assert.True(await lab.PingAsync(lab.Sites[0], waitSeconds: LabBehaviour.PingWaitSeconds), "the tunnel passes traffic again");
            AssertNoSecretsIn(supervisor.Output, lab);
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    [SkippableFact]
    public async Task An_operator_restart_goes_through_a_permit_and_the_history_survives_a_restart_of_the_supervisor()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 5));
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath, staleAfterSeconds: 150)));
            int eventsBefore;
            await using (var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}")))
            {
                await supervisor.WaitForStateAsync("site2", "healthy", EpisodeLimit);

                using (var anonymous = new HttpClient { BaseAddress = supervisor.BaseUrl })
                {
                    var refused = await anonymous.PostAsync("/api/tunnels/site2/restart", null);
                    Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
                    Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                }
                var accepted = await supervisor.Http.PostAsync("/api/tunnels/site2/restart", null);
                Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
                var missing = await supervisor.Http.PostAsync("/api/tunnels/no-such-tunnel/restart", null);
                Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
                Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

                await supervisor.WaitForEventSequenceAsync("site2", EpisodeLimit, "healthy", "stale", "repair-started", "repair-finished", "healthy");
                var events = await supervisor.EventsAsync("site2");
                var started = events.First(e => e!["type"]!.GetValue<string>() == "repair-started")!;
                Assert.Equal("operator via admin API", started["requestedBy"]!.GetValue<string>());
                Assert.Equal(0, (await supervisor.EventsAsync("site1")).Count(e => e!["type"]!.GetValue<string>() == "repair-started"));
                eventsBefore = events.Count;
                Assert.Equal(1, (await supervisor.GetJsonAsync("/api/tunnels/site2"))["restartCount"]!.GetValue<int>());
            }

            await using (var restarted = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}")))
            {
                await restarted.WaitForStateAsync("site2", "healthy", EpisodeLimit);
                Assert.True((await restarted.EventsAsync("site2")).Count >= eventsBefore, "the history of the first run is still there");
                Assert.Equal(1, (await restarted.GetJsonAsync("/api/tunnels/site2"))["restartCount"]!.GetValue<int>());
            }
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private static long CountJournalRows(string journalPath, string persistenceId)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journalPath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$id", persistenceId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>No private key of the lab may appear in anything the supervisor printed.</summary>
    private static void AssertNoSecretsIn(string text, WireGuardLab lab)
    {
        foreach (var site in lab.Sites)
        foreach (var conf in new[] { site.GatewayConfPath, site.SiteConfPath })
        foreach (var line in File.ReadAllLines(conf).Where(l => l.StartsWith("PrivateKey", StringComparison.Ordinal)))
            Assert.DoesNotContain(line.Split('=', 2)[1].Trim(), text);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealWireGuardCollection
{
    public const string Name = "real WireGuard";
}
