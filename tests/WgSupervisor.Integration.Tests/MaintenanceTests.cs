using System.Net;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Maintenance on a real wireguard-go tunnel: paused through the admin API, the tunnel is broken for real (its
/// gateway wireguard-go killed) and stays broken, observed and shown but never repaired; resumed, it is repaired.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class MaintenanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    /// <summary>Unpaused, a killed interface is back within a few seconds (a 1-s poll, then wg-quick up): this is several times that.</summary>
    private static readonly TimeSpan LongerThanARepair = TimeSpan.FromSeconds(12);

    [SkippableFact]
    public async Task A_paused_tunnel_broken_for_real_is_shown_broken_and_not_repaired_until_it_is_resumed()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5));
        try
        {
            using var file = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            LabBehaviour.WriteConfig(file, lab, port, _ => { });
            await using var supervisor = await SupervisorProcess.StartAsync(file.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", Limit);
            var site = lab.Sites[0];

            var pause = await LabBehaviour.PostAsync(supervisor, "/api/tunnels/site1/pause", new { reason = "router swap" }, operatorName: "alice");

            Assert.Equal(HttpStatusCode.Accepted, pause.StatusCode);
            await supervisor.WaitForStateAsync("site1", "paused", Limit);
            await supervisor.WaitForEventSequenceAsync("site1", Limit, "healthy", "paused");
            var paused = (await supervisor.EventsAsync("site1")).Last(e => e!["type"]!.GetValue<string>() == "paused")!;
            Assert.Equal(("alice via admin API", "router swap"), (paused["by"]!.GetValue<string>(), paused["reason"]!.GetValue<string>()));

            await lab.KillGatewayProcessAsync(site);

            // Observed and shown: the API follows the broken interface while the tunnel stays paused.
            await supervisor.WaitUntilAsync("the API shows the interface gone", Limit, async () =>
                (await supervisor.GetJsonAsync("/api/tunnels/site1"))["interfacePresent"]!.GetValue<bool>() == false);
            // Never repaired: nothing starts, the interface stays gone, for longer than a repair would take.
            await LabBehaviour.HoldsForAsync("paused and unrepaired", LongerThanARepair, async () =>
            {
                var tunnel = await supervisor.GetJsonAsync("/api/tunnels/site1");
                if (tunnel["state"]!.GetValue<string>() != "paused") return $"state {tunnel["state"]}";
                if (tunnel["interfacePresent"]!.GetValue<bool>()) return "the interface is back";
                if (WireGuardLab.FindWireGuardGo(site.GatewayInterface) is { } pid) return $"wireguard-go is back (pid {pid})";
                var after = await LabBehaviour.EventTypesAfterAsync(supervisor, "site1", "paused");
                return after.Count > 0 ? $"events after the pause: {string.Join(", ", after)}" : null;
            });
            Assert.Equal(0, (await supervisor.GetJsonAsync("/api/tunnels/site1"))["restartCount"]!.GetValue<int>());
            Assert.False(await lab.PingAsync(site), "the paused tunnel is still broken");

            var resume = await LabBehaviour.PostAsync(supervisor, "/api/tunnels/site1/resume", operatorName: "alice");

            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
            await supervisor.WaitForEventSequenceAsync("site1", Limit, "paused", "resumed", "stale", "repair-started", "repair-finished", "healthy");
            var events = await supervisor.EventsAsync("site1");
            output.WriteLine(events.ToJsonString());
            Assert.Equal("InterfaceMissing", events.Last(e => e!["type"]!.GetValue<string>() == "stale")!["reason"]!.GetValue<string>());
            Assert.True(await lab.PingAsync(site, waitSeconds: LabBehaviour.PingWaitSeconds), "the tunnel passes traffic once repaired after the resume");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }
}
