using System.Diagnostics;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Lab;

/// <summary>
/// One site and two gateways on a LAN (10.250.150.0/24: site .10, primary .1, standby .2), each in its own
/// namespace. Both gateways hold the same conf (the same private key and tunnel address 10.251.150.1), under
/// their own interface names (UAPI sockets are shared by all namespaces); the site knows no endpoint, so it
/// follows whichever gateway initiates. The primary starts up, the standby's interface stays down.
/// </summary>
/// <remarks>
/// <paramref name="namespacePrefix"/> and <paramref name="interfaceTag"/> tell the users' labs apart (tests, benchmarks);
/// the tag and 3 random hex digits name the interfaces, which must stay within 15 characters.
/// </remarks>
public sealed class StandbyLab(string namespacePrefix, string interfaceTag) : IAsyncDisposable
{
    private readonly string _id = interfaceTag + Guid.NewGuid().ToString("N")[..3];
    private readonly LabCommands _commands = new(new ProcessRunner());
    private readonly List<string> _namespaces = [];
    private bool _disposed;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"{namespacePrefix}-standby-{Guid.NewGuid():N}");
    public string SiteNamespace => $"{namespacePrefix}-{_id}-site";
    public string PrimaryNamespace => $"{namespacePrefix}-{_id}-ga";
    public string StandbyNamespace => $"{namespacePrefix}-{_id}-gb";
    private string LanNamespace => $"{namespacePrefix}-{_id}-lan";
    public string PrimaryInterface => $"{_id}a";
    public string StandbyInterface => $"{_id}b";
    private string SiteInterface => $"{_id}s";
    public string PrimaryConf => Path.Combine(Directory, $"{PrimaryInterface}.conf");
    public string StandbyConf => Path.Combine(Directory, $"{StandbyInterface}.conf");
    private string SiteConf => Path.Combine(Directory, $"{SiteInterface}.conf");
    public string SitePublicKey { get; private set; } = "";
    public const string GatewayTunnelAddress = "10.251.150.1";
    public const string SiteTunnelAddress = "10.251.150.10";

    public static async Task<StandbyLab> CreateAsync(string namespacePrefix = "wgs", string interfaceTag = "s")
    {
        var lab = new StandbyLab(namespacePrefix, interfaceTag);
        try
        {
            await lab.BuildAsync();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await AddNamespaceAsync(LanNamespace);
        await _commands.RunAsync("ip", "-n", LanNamespace, "link", "add", "br0", "type", "bridge");
        await _commands.RunAsync("ip", "-n", LanNamespace, "link", "set", "br0", "up");
        foreach (var (ns, address, tag) in new[] { (SiteNamespace, "10.250.150.10", "s"), (PrimaryNamespace, "10.250.150.1", "a"), (StandbyNamespace, "10.250.150.2", "b") })
        {
            await AddNamespaceAsync(ns);
            await _commands.RunAsync("ip", "link", "add", $"{_id}v{tag}", "netns", ns, "type", "veth", "peer", "name", $"{_id}l{tag}", "netns", LanNamespace);
            await _commands.RunAsync("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", $"{_id}v{tag}");
            await _commands.RunAsync("ip", "-n", ns, "link", "set", $"{_id}v{tag}", "up");
            await _commands.RunAsync("ip", "-n", LanNamespace, "link", "set", $"{_id}l{tag}", "master", "br0");
            await _commands.RunAsync("ip", "-n", LanNamespace, "link", "set", $"{_id}l{tag}", "up");
        }
        var gatewayKey = (await _commands.RunAsync("wg", "genkey")).Trim();
        var siteKey = (await _commands.RunAsync("wg", "genkey")).Trim();
        var gatewayPublic = (await _commands.WithInputAsync(gatewayKey, "wg", "pubkey")).Trim();
        SitePublicKey = (await _commands.WithInputAsync(siteKey, "wg", "pubkey")).Trim();
        var gatewayConf = $"[Interface]\nPrivateKey = {gatewayKey}\nAddress = {GatewayTunnelAddress}/24\nListenPort = 51820\n\n" +
                          $"[Peer]\nPublicKey = {SitePublicKey}\nAllowedIPs = {SiteTunnelAddress}/32\nEndpoint = 10.250.150.10:51820\nPersistentKeepalive = 1\n";
        await WriteSecretAsync(PrimaryConf, gatewayConf);
        await WriteSecretAsync(StandbyConf, gatewayConf);
        await WriteSecretAsync(SiteConf, $"[Interface]\nPrivateKey = {siteKey}\nAddress = {SiteTunnelAddress}/24\nListenPort = 51820\n\n" +
                                         $"[Peer]\nPublicKey = {gatewayPublic}\nAllowedIPs = {GatewayTunnelAddress}/32\n");
        await _commands.RunDetachedInAsync(SiteNamespace, "wg-quick", "up", SiteConf);
        await _commands.RunDetachedInAsync(PrimaryNamespace, "wg-quick", "up", PrimaryConf);
    }

    /// <summary>One ping from the site to the gateways' tunnel address: answered by whichever gateway carries the tunnel.</summary>
    public async Task<bool> SitePingsGatewayAsync() =>
        (await _commands.TryAsync(SiteNamespace, "ping", "-c", "1", "-W", "1", GatewayTunnelAddress)).Succeeded;

    /// <summary>The endpoint the site currently sends to: the gateway it follows.</summary>
    public async Task<string> SiteEndpointAsync() =>
        (await _commands.TryAsync(SiteNamespace, "wg", "show", SiteInterface, "endpoints")).StandardOutput.Trim();

    public async Task KillPrimaryWireGuardAsync()
    {
        if (WireGuardLab.FindWireGuardGo(PrimaryInterface) is { } pid) await _commands.RunAsync("kill", "-9", pid.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (ns, conf) in new[] { (SiteNamespace, SiteConf), (PrimaryNamespace, PrimaryConf), (StandbyNamespace, StandbyConf) })
            if (File.Exists(conf)) await _commands.TryAsync(ns, "wg-quick", "down", conf);
        foreach (var name in new[] { SiteInterface, PrimaryInterface, StandbyInterface })
        {
            if (WireGuardLab.FindWireGuardGo(name) is { } pid) await _commands.TryAsync(null, "kill", "-9", pid.ToString());
            var socket = $"/var/run/wireguard/{name}.sock";
            if (File.Exists(socket)) File.Delete(socket);
        }
        foreach (var ns in Enumerable.Reverse(_namespaces)) await _commands.TryAsync(null, "ip", "netns", "delete", ns);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    public IReadOnlyList<string> Leftovers()
    {
        var present = System.IO.Directory.Exists("/var/run/netns") ? System.IO.Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).ToHashSet() : [];
        var left = _namespaces.Where(present.Contains).Select(ns => $"namespace {ns}").ToList();
        left.AddRange(new[] { SiteInterface, PrimaryInterface, StandbyInterface }.Where(n => WireGuardLab.FindWireGuardGo(n) is not null).Select(n => $"wireguard-go {n}"));
        if (System.IO.Directory.Exists(Directory)) left.Add($"directory {Directory}");
        return left;
    }

    private async Task AddNamespaceAsync(string name)
    {
        await _commands.RunAsync("ip", "netns", "add", name);
        _namespaces.Add(name);
        await _commands.RunAsync("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static async Task WriteSecretAsync(string path, string content)
    {
        await File.WriteAllTextAsync(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
