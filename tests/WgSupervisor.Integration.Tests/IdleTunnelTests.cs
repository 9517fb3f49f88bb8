using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// A healthy tunnel that is simply idle (no keepalive, no probe, no traffic) is never restarted for idleness,
/// though its handshake grows far older than the threshold; a probed tunnel beside it stays healthy too.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class IdleTunnelTests
{
    private static readonly TimeSpan Watch = TimeSpan.FromMinutes(3);
    private const int StaleAfterSeconds = 40;

    [SkippableFact]
    public async Task An_idle_tunnel_is_not_restarted_over_three_minutes_and_is_reported_as_not_judgeable()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: null));
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath,
                staleAfterSeconds: StaleAfterSeconds, ladder: SupervisorConfigFile.DefaultLadder,
                probe: site => site.Index == 2 ? SupervisorConfigFile.IcmpProbe(site) : null)));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            Assert.True(await lab.PingAsync(lab.Sites[0], waitSeconds: LabBehaviour.PingWaitSeconds), "one ping makes the first handshake of the idle tunnel");
            await supervisor.WaitForStateAsync("site1", "healthy", TimeSpan.FromSeconds(60));
            await supervisor.WaitForStateAsync("site2", "healthy", TimeSpan.FromSeconds(60));

            var watchedSince = DateTimeOffset.UtcNow;
            double oldestHandshakeSeen = 0;
            for (var round = 0; round < 1000 && DateTimeOffset.UtcNow - watchedSince < Watch; round++)
            {
                foreach (var name in new[] { "site1", "site2" })
                {
                    var tunnel = await supervisor.GetJsonAsync($"/api/tunnels/{name}");
                    Assert.True(tunnel["state"]!.GetValue<string>() == "healthy" && tunnel["restartCount"]!.GetValue<int>() == 0,
                        $"{name} was disturbed: {tunnel.ToJsonString()}\n{SupervisorProcess.Tail(supervisor.Output, 40)}");
                }
                oldestHandshakeSeen = Math.Max(oldestHandshakeSeen,
                    (await supervisor.GetJsonAsync("/api/tunnels/site1"))["handshakeAgeSeconds"]?.GetValue<double>() ?? 0);
                await Task.Delay(TimeSpan.FromSeconds(5));
            }

            Assert.True(oldestHandshakeSeen > StaleAfterSeconds * 2, $"the idle tunnel's handshake aged to {oldestHandshakeSeen} s");
            var idle = await supervisor.GetJsonAsync("/api/tunnels/site1");
            Assert.Contains(idle["warnings"]!.AsArray(), w => w!.GetValue<string>().Contains("cannot be judged"));
            foreach (var name in new[] { "site1", "site2" })
                Assert.DoesNotContain(await supervisor.EventsAsync(name), e => e!["type"]!.GetValue<string>() is "stale" or "repair-started");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }
}
