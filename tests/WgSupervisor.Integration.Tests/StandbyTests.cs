using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Standby takeover on real wireguard-go: a primary and a standby gateway hold the same conf; the primary's
/// node and its wireguard-go are killed; the standby brings the tunnel up, the site follows it, and the
/// events say so. The primary, back, does not take the tunnel back by itself; an operator's move does.
/// A third node (a witness with no tunnels) gives keep-majority its majority.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class StandbyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task When_the_primary_dies_the_standby_carries_the_tunnel_and_an_operator_moves_it_back()
    {
        Prerequisites.RequireWireGuardLab();
        var journal = Prerequisites.RequirePostgres();
        var lab = await StandbyLab.CreateAsync();
        using var config = new SupervisorConfigFile(new { });
        var run = Guid.NewGuid().ToString("N")[..6];
        var (primary, standby, witness) = ($"gwa-{run}", $"gwb-{run}", $"wit-{run}");
        var ports = (Admin: Enumerable.Range(0, 3).Select(_ => SupervisorProcess.FreePort()).ToArray(),
            Cluster: Enumerable.Range(0, 3).Select(_ => SupervisorProcess.FreePort()).ToArray());
        var tunnel = $"hq-{run}";
        SupervisorProcess? a = null, b = null, w = null;
        try
        {
            a = await StartAsync(config, 0, primary, ports, journal, new
            {
                Name = tunnel, Interface = lab.PrimaryInterface, PeerPublicKey = lab.SitePublicKey, Namespace = lab.PrimaryNamespace,
                WgQuickConfig = lab.PrimaryConf, Standby = standby, Probe = Probe(),
            });
            b = await StartAsync(config, 1, standby, ports, journal, new
            {
                Name = tunnel, Interface = lab.StandbyInterface, PeerPublicKey = lab.SitePublicKey, Namespace = lab.StandbyNamespace,
                WgQuickConfig = lab.StandbyConf, Primary = primary, Probe = Probe(),
            });
            w = await StartAsync(config, 2, witness, ports, journal, null);

            await WaitForCarrierAsync(b, tunnel, primary);
            await WaitForCarrierAsync(b, tunnel, primary);
            // A ping waits 1 s for its answer (StandbyLab): asked again until answered (bounded), as a loaded machine can take longer.
            await a.WaitUntilAsync("the site reaches the gateway through the primary", Limit, () => lab.SitePingsGatewayAsync());
            Assert.Null(WireGuardLab.FindWireGuardGo(lab.StandbyInterface));

            // The primary's node and its wireguard-go die.
            a.Kill();
            await lab.KillPrimaryWireGuardAsync();
            await WaitForCarrierAsync(b, tunnel, standby);
            await b.WaitUntilAsync("the site passes traffic through the standby", Limit, () => lab.SitePingsGatewayAsync());
            output.WriteLine($"site endpoint now: {await lab.SiteEndpointAsync()}");
            Assert.Contains("10.250.150.2:", await lab.SiteEndpointAsync());
            Assert.Contains(await EventsAsync(b, tunnel, standby), e => e["type"]!.GetValue<string>() == "taken-over" && e["from"]!.GetValue<string>() == primary);

            // The primary comes back: it stands by and keeps its interface down.
            await a.DisposeAsync();
            a = await StartAsync(config, 0, primary, ports, journal, new
            {
                Name = tunnel, Interface = lab.PrimaryInterface, PeerPublicKey = lab.SitePublicKey, Namespace = lab.PrimaryNamespace,
                WgQuickConfig = lab.PrimaryConf, Standby = standby, Probe = Probe(),
            });
            await a.WaitUntilAsync("the returned primary stands by", Limit, async () =>
                (await a.GetJsonAsync("/api/tunnels")).AsArray().Any(t => t!["node"]!.GetValue<string>() == primary && t["state"]!.GetValue<string>() == "standby"));
            // Longer than its decision delay (8 s): it still must not have taken the tunnel back.
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.Null(WireGuardLab.FindWireGuardGo(lab.PrimaryInterface));
            await b.WaitUntilAsync("the site still reaches the gateway through the standby", Limit, () => lab.SitePingsGatewayAsync());
            // Through the standby: the primary's wireguard-go is still not there to answer.
            Assert.Null(WireGuardLab.FindWireGuardGo(lab.PrimaryInterface));

            // An operator moves it back.
            var moved = await a.Http.PostAsync($"/api/tunnels/{tunnel}/move?to={primary}", null);
            Assert.True(moved.IsSuccessStatusCode, $"move: {(int)moved.StatusCode} {await moved.Content.ReadAsStringAsync()}");
            await WaitForCarrierAsync(a, tunnel, primary);
            await a.WaitUntilAsync("the site passes traffic through the primary again", Limit, async () =>
                await lab.SitePingsGatewayAsync() && (await lab.SiteEndpointAsync()).Contains("10.250.150.1:"));
            Assert.Null(WireGuardLab.FindWireGuardGo(lab.StandbyInterface));
            Assert.Contains(await EventsAsync(b, tunnel, standby), e => e["type"]!.GetValue<string>() == "handed-over" && e["to"]!.GetValue<string>() == primary);
            Assert.Contains(await EventsAsync(a, tunnel, primary), e => e["type"]!.GetValue<string>() == "taken-over" && e["from"]!.GetValue<string>() == standby);
        }
        catch
        {
            foreach (var (name, node) in new[] { ("primary", a), ("standby", b), ("witness", w) })
                if (node is not null) output.WriteLine($"--- {name}\n{SupervisorProcess.Tail(node.Output, 40)}");
            throw;
        }
        finally
        {
            foreach (var node in new[] { a, b, w }) if (node is not null) await node.DisposeAsync();
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    private static object Probe() => new { Kind = "icmp", Address = StandbyLab.SiteTunnelAddress, IntervalSeconds = 1, TimeoutSeconds = 0.8 };

    private static Task<SupervisorProcess> StartAsync(SupervisorConfigFile config, int index, string node, (int[] Admin, int[] Cluster) ports,
        string journal, object? tunnel)
    {
        var path = Path.Combine(config.Directory, $"{node}.json");
        File.WriteAllText(path, SupervisorProcess.ToJson(new
        {
            NodeName = node,
            Admin = new { Url = $"http://127.0.0.1:{ports.Admin[index]}" },
            PollIntervalSeconds = 1,
            Discover = false,
            Journal = new { Provider = "PostgreSql", ConnectionString = journal },
            Cluster = new
            {
                Enabled = true, Hostname = "127.0.0.1", Port = ports.Cluster[index],
                SeedNodes = new[] { $"akka.tcp://wgsupervisor@127.0.0.1:{ports.Cluster[0]}", $"akka.tcp://wgsupervisor@127.0.0.1:{ports.Cluster[1]}" },
                SplitBrain = new { Strategy = "keep-majority", StableAfterSeconds = 7 },
            },
            Defaults = new { StaleAfterSeconds = 150, VerifyTimeoutSeconds = 10 },
            Tunnels = tunnel is null ? Array.Empty<object>() : [tunnel],
        }));
        return SupervisorProcess.StartAsync(path, new Uri($"http://127.0.0.1:{ports.Admin[index]}"));
    }

    /// <summary>Waits until <paramref name="node"/> carries the tunnel and it is healthy, as the node asked sees it.</summary>
    private static Task WaitForCarrierAsync(SupervisorProcess asked, string tunnel, string node) =>
        asked.WaitUntilAsync($"{node} carries {tunnel}", Limit, async () =>
            (await asked.GetJsonAsync("/api/tunnels")).AsArray().Any(t =>
                t!["name"]!.GetValue<string>() == tunnel && t["node"]!.GetValue<string>() == node && t["state"]!.GetValue<string>() == "healthy"));

    private static async Task<List<JsonNode>> EventsAsync(SupervisorProcess asked, string tunnel, string node) =>
        (await asked.GetJsonAsync($"/api/events?tunnel={tunnel}&limit=1000"))["events"]!.AsArray()
            .Where(e => e!["node"]!.GetValue<string>() == node).Select(e => e!).ToList();
}
