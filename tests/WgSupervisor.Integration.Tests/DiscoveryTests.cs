using System.Security.Cryptography;
using System.Text.Json.Nodes;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using WgSupervisor.WireGuard.Processes;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Discovery on a real wireguard-go interface (Discover: true, the default): a peer added to a watched interface
/// and its conf while the supervisor runs is supervised; removed from both, it is retired with an event and leaves
/// the list. A discovered tunnel's conf is /etc/wireguard/INTERFACE.conf, so the test writes one there for the
/// lab's (uniquely named) interface, holding no key but the added peer's public one, and removes it at the end.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class DiscoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    [SkippableFact]
    public async Task A_peer_added_while_running_is_supervised_and_retired_once_it_is_gone_from_the_interface_and_its_conf()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5));
        var site = lab.Sites[0];
        var conf = $"/etc/wireguard/{site.GatewayInterface}.conf";
        var createdConfDirectory = !Directory.Exists("/etc/wireguard");
        try
        {
            using var file = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            // StaleAfter 150 s: the added peer has no partner and never handshakes; it must not be repaired during the test.
            LabBehaviour.WriteConfig(file, lab, port, config => config["Discover"] = true);
            await using var supervisor = await SupervisorProcess.StartAsync(file.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", Limit);
            Assert.Equal(["site1"], await LabTunnelNamesAsync(supervisor, lab));

            var peer = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var name = FleetActor.DiscoveredName(new TunnelKey(lab.GatewayNamespace, site.GatewayInterface, peer));
            var commands = new LabCommands(new ProcessRunner());
            if (createdConfDirectory && OperatingSystem.IsLinux())
                Directory.CreateDirectory("/etc/wireguard", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(conf, $"[Interface]\nListenPort = {site.GatewayListenPort}\n\n[Peer]\nPublicKey = {peer}\nAllowedIPs = 10.251.{site.Index}.99/32\n");
            await commands.RunInAsync(lab.GatewayNamespace, "wg", "set", site.GatewayInterface, "peer", peer, "allowed-ips", $"10.251.{site.Index}.99/32");

            await supervisor.WaitUntilAsync($"the added peer supervised as {name}", Limit, async () => (await TunnelNamesAsync(supervisor)).Contains(name));
            var discovered = await supervisor.GetJsonAsync($"/api/tunnels/{name}");
            Assert.Equal((lab.GatewayNamespace, site.GatewayInterface, peer),
                (discovered["namespace"]!.GetValue<string>(), discovered["interface"]!.GetValue<string>(), discovered["peerPublicKey"]!.GetValue<string>()));
            await supervisor.WaitUntilAsync($"{name} observed on the interface", Limit, async () =>
                (await supervisor.GetJsonAsync($"/api/tunnels/{name}"))["observedAt"] is not null);

            File.Delete(conf);
            await commands.RunInAsync(lab.GatewayNamespace, "wg", "set", site.GatewayInterface, "peer", peer, "remove");

            await supervisor.WaitUntilAsync($"{name} gone from the list", Limit, async () => !(await TunnelNamesAsync(supervisor)).Contains(name));
            JsonArray retired = [];
            await supervisor.WaitUntilAsync($"the retirement of {name} in the history", Limit, async () =>
                (retired = (await supervisor.GetJsonAsync($"/api/events?tunnel={name}&type=retired"))["events"]!.AsArray()).Count == 1);
            output.WriteLine(retired.ToJsonString());
            Assert.Equal("its peer was removed from the interface", retired[0]!["reason"]!.GetValue<string>());
            Assert.DoesNotContain((await supervisor.GetJsonAsync($"/api/events?tunnel={name}"))["events"]!.AsArray(),
                e => e!["type"]!.GetValue<string>() == "repair-started");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await supervisor.Http.GetAsync($"/api/tunnels/{name}")).StatusCode);
            // The configured tunnel on the same interface saw none of it.
            Assert.Equal(["site1"], await LabTunnelNamesAsync(supervisor, lab));
            Assert.Equal("healthy", await supervisor.StateAsync("site1"));
            Assert.Equal(0, (await supervisor.GetJsonAsync("/api/tunnels/site1"))["restartCount"]!.GetValue<int>());
        }
        finally
        {
            File.Delete(conf);
            if (createdConfDirectory && Directory.Exists("/etc/wireguard") && !Directory.EnumerateFileSystemEntries("/etc/wireguard").Any())
                Directory.Delete("/etc/wireguard");
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
            Assert.False(File.Exists(conf));
        }
    }

    private static async Task<IReadOnlyList<string>> TunnelNamesAsync(SupervisorProcess supervisor) =>
        (await supervisor.GetJsonAsync("/api/tunnels")).AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList();

    /// <summary>The tunnels in the lab's gateway namespace (the host's own namespace is watched too, and is not the test's).</summary>
    private static async Task<IReadOnlyList<string>> LabTunnelNamesAsync(SupervisorProcess supervisor, WireGuardLab lab) =>
        (await supervisor.GetJsonAsync("/api/tunnels")).AsArray()
        .Where(t => t!["namespace"]?.GetValue<string>() == lab.GatewayNamespace)
        .Select(t => t!["name"]!.GetValue<string>()).ToList();
}
