using System.Diagnostics;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Each fault class made for real on wireguard-go tunnels with an ICMP probe (1 s × 3) and the default ladder
/// (re-resolve, reset peer, restart interface): the fault is diagnosed first, and the tunnel comes back to Healthy
/// through the one rung that fits its cause — or, when nothing on this gateway can help (the underlay is down), the
/// repair is held until the cause clears. The history names the cause. (DiagnosisTests does the same with the
/// configuration a new user writes; these keep the fast-moving lab configuration.)
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class FaultClassTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Site_restart_the_site_lost_its_session_and_reset_peer_forces_a_fresh_handshake()
    {
        await RunAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5), async (lab, supervisor) =>
        {
            await lab.SiteDownAsync(lab.Sites[0]);
            await lab.SiteUpAsync(lab.Sites[0]);

            var events = await WaitForRepairAsync(supervisor);
            Assert.Equal("ProbeFailing", FirstOf(events, "stale")["reason"]!.GetValue<string>());
            // The endpoint is an address that has not moved: re-resolving cannot help, so the diagnosis goes straight to the reset.
            AssertFirstRepair(events, "reset-peer", "session-lost");
            Assert.DoesNotContain("reresolve-endpoint", Rungs(events));
            Assert.Contains("repaired by reset-peer", LastOf(events, "healthy")["reason"]!.GetValue<string>());
        });
    }

    [SkippableFact]
    public async Task Blackhole_for_20_seconds_the_repair_is_held_and_the_tunnel_comes_back_when_the_underlay_returns()
    {
        await RunAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5), async (lab, supervisor) =>
        {
            var outage = Stopwatch.StartNew();
            await lab.BlackholeAsync(lab.Sites[0], on: true);
            try
            {
                // At most a reset whose fresh handshake goes unanswered, then: the site is unreachable, hold.
                await supervisor.WaitForEventSequenceAsync("site1", Limit, "healthy", "stale", "held");
                var held = await supervisor.GetJsonAsync("/api/tunnels/site1");
                Assert.Equal("held", held["state"]!.GetValue<string>());
                Assert.Equal("site-unreachable", held["cause"]?.GetValue<string>());
                var left = TimeSpan.FromSeconds(20) - outage.Elapsed;
                await LabBehaviour.HoldsForAsync("held, the interface left alone", left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), async () =>
                {
                    var rungs = Rungs(await supervisor.EventsAsync("site1"));
                    return rungs.Any(r => r != "reset-peer") ? $"repairs: {string.Join(", ", rungs)}" : null;
                });
            }
            finally
            {
                await lab.BlackholeAsync(lab.Sites[0], on: false);
            }

            await supervisor.WaitForEventSequenceAsync("site1", Limit, "healthy", "stale", "held", "healthy");
            var events = await supervisor.EventsAsync("site1");
            Assert.Equal("site-unreachable", FirstOf(events, "held")["cause"]!.GetValue<string>());
            Assert.DoesNotContain("restart-interface", Rungs(events));
            Assert.DoesNotContain("reresolve-endpoint", Rungs(events));
            Assert.DoesNotContain(events, e => Type(e) == "quarantined");
        });
    }

    [SkippableFact]
    public async Task Endpoint_move_the_site_got_a_new_address_and_reresolve_follows_the_name()
    {
        await RunAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5, UseHostnames: true), async (lab, supervisor) =>
        {
            await lab.MoveSiteAsync(lab.Sites[0]);

            var events = await WaitForRepairAsync(supervisor);
            Assert.Equal("ProbeFailing", FirstOf(events, "stale")["reason"]!.GetValue<string>());
            AssertFirstRepair(events, "reresolve-endpoint", "endpoint-moved");
            Assert.DoesNotContain("restart-interface", Rungs(events));
            Assert.Contains("repaired by reresolve-endpoint", LastOf(events, "healthy")["reason"]!.GetValue<string>());
            var tunnel = await supervisor.GetJsonAsync("/api/tunnels/site1");
            Assert.StartsWith(lab.Sites[0].UnderlayAddress + ":", tunnel["endpoint"]!.GetValue<string>());
        });
    }

    [SkippableFact]
    public async Task Gateway_crash_the_interface_is_gone_and_restart_interface_brings_it_back()
    {
        await RunAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5), async (lab, supervisor) =>
        {
            await lab.KillGatewayProcessAsync(lab.Sites[0]);

            var events = await WaitForRepairAsync(supervisor);
            // Not the stale reason: the poll (interface missing) and the probe's confirming burst race to notice first.
            Assert.Equal(["restart-interface"], Rungs(events));
            AssertFirstRepair(events, "restart-interface", "interface-gone");
            Assert.Contains("repaired by restart-interface", LastOf(events, "healthy")["reason"]!.GetValue<string>());
        });
    }

    /// <summary>Builds the lab, starts the supervisor, waits for Healthy, runs the fault, and checks the tunnel passes traffic after.</summary>
    private async Task RunAsync(LabOptions options, Func<WireGuardLab, SupervisorProcess, Task> fault)
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(options);
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath,
                staleAfterSeconds: 150, verifyTimeoutSeconds: 10, ladder: SupervisorConfigFile.DefaultLadder,
                probe: SupervisorConfigFile.IcmpProbe)));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitUntilAsync("site1 healthy with its probe answering", Limit, async () =>
            {
                var tunnel = await supervisor.GetJsonAsync("/api/tunnels/site1");
                return tunnel["state"]!.GetValue<string>() == "healthy" && tunnel["probe"]?["lastSucceeded"]?.GetValue<bool>() == true;
            });

            await fault(lab, supervisor);

            output.WriteLine((await supervisor.EventsAsync("site1")).ToJsonString());
            Assert.True(await lab.PingAsync(lab.Sites[0], waitSeconds: 2), "the tunnel passes traffic after the repair");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private static async Task<JsonArray> WaitForRepairAsync(SupervisorProcess supervisor)
    {
        await supervisor.WaitForEventSequenceAsync("site1", Limit, "healthy", "stale", "repair-started", "healthy");
        return await supervisor.EventsAsync("site1");
    }

    /// <summary>The first repair of the episode took <paramref name="rung"/> for <paramref name="cause"/>, and says why in words.</summary>
    private static void AssertFirstRepair(JsonArray events, string rung, string cause)
    {
        var first = FirstOf(events, "repair-started");
        Assert.Equal(rung, first["rung"]!.GetValue<string>());
        Assert.Equal(cause, first["cause"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(first["diagnosis"]?.GetValue<string>()), "the repair says what was diagnosed");
    }

    private static List<string> Rungs(JsonArray events) =>
        events.Where(e => Type(e) == "repair-started").Select(e => e!["rung"]!.GetValue<string>()).ToList();

    private static string Type(JsonNode? e) => e!["type"]!.GetValue<string>();
    private static JsonNode FirstOf(JsonArray events, string type) => events.First(e => Type(e) == type)!;
    private static JsonNode LastOf(JsonArray events, string type) => events.Last(e => Type(e) == type)!;
}
