using System.Net;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The flapping quarantine on a real wireguard-go tunnel: a fault that keeps coming back (the gateway's
/// wireguard-go killed again after each repair) is repaired Quarantine:MaxRepairs times, then the tunnel is
/// quarantined and left broken; an operator's release through the admin API lets the supervisor repair it again.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class QuarantineTests(ITestOutputHelper output)
{
    private const int MaxRepairs = 2;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    /// <summary>Unquarantined, a killed interface is back within a few seconds (a 1-s poll, then wg-quick up): this is several times that.</summary>
    private static readonly TimeSpan LongerThanARepair = TimeSpan.FromSeconds(12);

    [SkippableFact]
    public async Task A_tunnel_whose_fault_keeps_coming_back_is_quarantined_after_MaxRepairs_repairs_and_repaired_again_once_released()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5));
        try
        {
            using var file = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            LabBehaviour.WriteConfig(file, lab, port, config =>
                config["Defaults"]!["Quarantine"] = new JsonObject { ["MaxRepairs"] = MaxRepairs, ["WindowSeconds"] = 600 });
            await using var supervisor = await SupervisorProcess.StartAsync(file.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", Limit);
            var site = lab.Sites[0];

            // Each kill is repaired (an attempt whose verification fails counts too); kill again once healthy.
            for (var round = 1; round <= MaxRepairs && await RestartCountAsync(supervisor) < MaxRepairs; round++)
            {
                var before = await RestartCountAsync(supervisor);
                await lab.KillGatewayProcessAsync(site);
                await supervisor.WaitUntilAsync($"site1 repaired after kill {round} and healthy", Limit, async () =>
                    await RestartCountAsync(supervisor) > before && await supervisor.StateAsync("site1") == "healthy");
            }
            Assert.Equal(MaxRepairs, await RestartCountAsync(supervisor));

            await lab.KillGatewayProcessAsync(site);

            await supervisor.WaitForStateAsync("site1", "quarantined", Limit);
            var quarantined = await supervisor.GetJsonAsync("/api/tunnels/site1");
            Assert.NotNull(quarantined["quarantinedUntil"]);
            Assert.Equal(MaxRepairs, quarantined["restartCount"]!.GetValue<int>());
            await supervisor.WaitForEventSequenceAsync("site1", Limit, "stale", "quarantined");
            var quarantineEvent = (await supervisor.EventsAsync("site1")).Last(e => e!["type"]!.GetValue<string>() == "quarantined")!;
            Assert.StartsWith($"{MaxRepairs} repairs within 600 s (limit {MaxRepairs})", quarantineEvent["reason"]!.GetValue<string>());

            // Left broken: no repair starts, the interface stays gone, the tunnel stays quarantined.
            await LabBehaviour.HoldsForAsync("quarantined and unrepaired", LongerThanARepair, async () =>
            {
                var state = await supervisor.StateAsync("site1");
                if (state != "quarantined") return $"state {state}";
                if (WireGuardLab.FindWireGuardGo(site.GatewayInterface) is { } pid) return $"wireguard-go is back (pid {pid})";
                var after = await LabBehaviour.EventTypesAfterAsync(supervisor, "site1", "quarantined");
                return after.Contains("repair-started") ? $"events after the quarantine: {string.Join(", ", after)}" : null;
            });
            Assert.False(await lab.PingAsync(site), "the quarantined tunnel is still broken");

            var release = await LabBehaviour.PostAsync(supervisor, "/api/tunnels/site1/release", operatorName: "alice");

            Assert.Equal(HttpStatusCode.Accepted, release.StatusCode);
            await supervisor.WaitForEventSequenceAsync("site1", Limit, "quarantined", "released", "stale", "repair-started", "repair-finished", "healthy");
            var events = await supervisor.EventsAsync("site1");
            output.WriteLine(events.ToJsonString());
            var released = events.Last(e => e!["type"]!.GetValue<string>() == "released")!;
            Assert.Equal("alice via admin API", released["by"]!.GetValue<string>());
            Assert.Equal(MaxRepairs, events.TakeWhile(e => e!["type"]!.GetValue<string>() != "quarantined").Count(e => e!["type"]!.GetValue<string>() == "repair-started"));
            Assert.Equal("Succeeded", events.Last(e => e!["type"]!.GetValue<string>() == "repair-finished")!["outcome"]!.GetValue<string>());
            Assert.True(await lab.PingAsync(site, waitSeconds: LabBehaviour.PingWaitSeconds), "the tunnel passes traffic once repaired after the release");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private static async Task<int> RestartCountAsync(SupervisorProcess supervisor) =>
        (await supervisor.GetJsonAsync("/api/tunnels/site1"))["restartCount"]!.GetValue<int>();
}
