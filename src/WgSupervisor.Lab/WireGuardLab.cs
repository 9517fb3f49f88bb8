using System.Globalization;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Lab;

/// <summary>One remote site of a lab: its namespace, its side of the tunnel, and how to reach it.</summary>
public sealed record LabSite(
    int Index,
    string Namespace,
    string SiteInterface,
    string GatewayInterface,
    string GatewayConfPath,
    string SiteConfPath,
    string SitePublicKey,
    string GatewayPublicKey,
    string UnderlayAddress,
    string GatewayUnderlayAddress,
    string TunnelAddress,
    string GatewayTunnelAddress,
    string Hostname,
    int GatewayListenPort);

/// <param name="Sites">Number of remote sites (1-50).</param>
/// <param name="PersistentKeepaliveSeconds">On the gateway's side; null: none (an idle tunnel).</param>
/// <param name="UseHostnames">Gateway confs name sites by hostname, resolved through /etc/netns/GATEWAY/hosts.</param>
/// <param name="SitesStartDown">Build the sites' namespaces but do not bring their interfaces up.</param>
/// <param name="Hub">
/// One gateway interface (`RUNhub`, 10.251.0.1/16) with a peer per site (site i: 10.251.i.2), in one wg-quick conf,
/// instead of one interface per site: the shape where one repair can disturb every site.
/// </param>
public sealed record LabOptions(int Sites = 1, int? PersistentKeepaliveSeconds = 5, bool UseHostnames = false, bool SitesStartDown = false,
    bool Hub = false);

/// <summary>
/// A real WireGuard lab on this machine: a gateway namespace and N site namespaces joined by veth pairs
/// (underlay 10.250.N.0/24), one wireguard-go tunnel per site (10.251.N.0/24) or one hub interface for all
/// (10.251.0.0/16), and the faults the tests make (site down or restarting, blackhole, random loss, uplink down,
/// endpoint move, gateway process killed). Every name carries a run id, since
/// userspace WireGuard's sockets in /var/run/wireguard are shared by all namespaces. Disposing removes
/// every namespace, process, socket and file the lab made — also after a failure half-way through set-up.
/// </summary>
public sealed class WireGuardLab : IAsyncDisposable
{
    private const string UapiDirectory = "/var/run/wireguard";
    private const int SiteListenPort = 51820;
    private const int FirstGatewayListenPort = 51000;
    private const string HubTunnelAddress = "10.251.0.1";
    private const string Underlay = "10.250.0.0/16";

    private readonly LabCommands _commands;
    private readonly List<LabSite> _sites = [];
    private readonly List<string> _namespaces = [];
    private readonly string _netnsEtc;
    private bool _disposed;

    private WireGuardLab(string runId, string directory, LabCommands commands)
    {
        RunId = runId;
        Directory = directory;
        _commands = commands;
        GatewayNamespace = $"wgs-{runId}-gw";
        _netnsEtc = $"/etc/netns/{GatewayNamespace}";
    }

    public string RunId { get; }
    public string Directory { get; }
    public string GatewayNamespace { get; }
    public IReadOnlyList<LabSite> Sites => _sites;
    public IEnumerable<string> Namespaces => _namespaces;

    /// <summary>The gateway's one interface in a hub lab (<see cref="LabOptions.Hub"/>).</summary>
    public string HubInterface => $"{RunId}hub";

    /// <summary>Why a lab cannot be built here (not root, tools missing), or null if it can.</summary>
    public static string? MissingPrerequisite()
    {
        if (!OperatingSystem.IsLinux()) return "WireGuard labs need Linux";
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root") return "WireGuard labs need root (network namespaces)";
        foreach (var tool in new[] { "ip", "wg", "wg-quick", "wireguard-go", "nft", "ping" })
            if (!OnPath(tool)) return $"'{tool}' is not installed (apt-get install --no-install-recommends wireguard-tools wireguard-go nftables iproute2 iputils-ping)";
        return null;
    }

    public static async Task<WireGuardLab> CreateAsync(LabOptions options, IProcessRunner? runner = null)
    {
        if (options.Sites is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(options), "1 to 50 sites");
        var runId = NewRunId();
        var directory = Path.Combine(Path.GetTempPath(), $"wgs-lab-{runId}");
        System.IO.Directory.CreateDirectory(directory);
        var lab = new WireGuardLab(runId, directory, new LabCommands(runner ?? new ProcessRunner()));
        try
        {
            await lab.BuildAsync(options);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(LabOptions options)
    {
        await AddNamespaceAsync(GatewayNamespace);
        if (options.UseHostnames) System.IO.Directory.CreateDirectory(_netnsEtc);
        var hub = options.Hub ? await NewKeyPairAsync() : null;
        var hosts = new List<string> { "127.0.0.1 localhost" };
        for (var i = 1; i <= options.Sites; i++)
        {
            var site = await BuildSiteAsync(i, options, hub);
            _sites.Add(site);
            hosts.Add($"{site.UnderlayAddress} {site.Hostname}");
        }
        if (options.UseHostnames) await File.WriteAllLinesAsync(Path.Combine(_netnsEtc, "hosts"), hosts);
        if (hub is not null)
        {
            await WriteHubConfAsync(hub, options);
            // Sites first: they only listen, so the hub's first initiations find them and need no 5-s retry.
            if (!options.SitesStartDown)
                foreach (var site in _sites) await _commands.RunDetachedInAsync(site.Namespace, "wg-quick", "up", site.SiteConfPath);
            await _commands.RunDetachedInAsync(GatewayNamespace, "wg-quick", "up", _sites[0].GatewayConfPath);
            return;
        }
        foreach (var site in _sites)
        {
            await _commands.RunDetachedInAsync(GatewayNamespace, "wg-quick", "up", site.GatewayConfPath);
            if (!options.SitesStartDown) await _commands.RunDetachedInAsync(site.Namespace, "wg-quick", "up", site.SiteConfPath);
        }
    }

    /// <param name="hub">The hub's keys in a hub lab: the site then joins the hub (its conf is written once all sites are built).</param>
    private async Task<LabSite> BuildSiteAsync(int i, LabOptions options, KeyPair? hub)
    {
        var siteNamespace = $"wgs-{RunId}-s{i}";
        await AddNamespaceAsync(siteNamespace);
        var gatewayVeth = GatewayVeth(i);
        var siteVeth = $"{RunId}v{i}s";
        await _commands.RunAsync("ip", "link", "add", gatewayVeth, "netns", GatewayNamespace, "type", "veth", "peer", "name", siteVeth, "netns", siteNamespace);
        var gatewayUnderlay = $"10.250.{i}.1";
        var siteUnderlay = $"10.250.{i}.2";
        await _commands.RunAsync("ip", "-n", GatewayNamespace, "addr", "add", $"{gatewayUnderlay}/24", "dev", gatewayVeth);
        await _commands.RunAsync("ip", "-n", siteNamespace, "addr", "add", $"{siteUnderlay}/24", "dev", siteVeth);
        await _commands.RunAsync("ip", "-n", GatewayNamespace, "link", "set", gatewayVeth, "up");
        await _commands.RunAsync("ip", "-n", siteNamespace, "link", "set", siteVeth, "up");

        var gateway = hub ?? await NewKeyPairAsync();
        var siteKeys = await NewKeyPairAsync();

        var gatewayInterface = hub is null ? $"{RunId}g{i}" : HubInterface;
        var siteInterface = $"{RunId}s{i}";
        var hostname = $"site{i}.{RunId}.lab";
        var listenPort = hub is null ? FirstGatewayListenPort + i : FirstGatewayListenPort;
        var gatewayConf = Path.Combine(Directory, $"{gatewayInterface}.conf");
        var siteConf = Path.Combine(Directory, $"{siteInterface}.conf");
        var gatewayTunnel = hub is null ? $"10.251.{i}.1" : HubTunnelAddress;
        var siteTunnel = $"10.251.{i}.2";
        var site = new LabSite(i, siteNamespace, siteInterface, gatewayInterface, gatewayConf, siteConf, siteKeys.Public, gateway.Public,
            siteUnderlay, gatewayUnderlay, siteTunnel, gatewayTunnel, hostname, listenPort);
        if (hub is null)
            await WriteSecretFileAsync(gatewayConf,
                $"[Interface]\nPrivateKey = {gateway.Private}\nAddress = {gatewayTunnel}/24\nListenPort = {listenPort}\n\n" + GatewayPeerSection(site, options));
        // In a hub the sites share one /16 with the hub; each site's own tunnel reaches the hub alone.
        await WriteSecretFileAsync(siteConf,
            $"[Interface]\nPrivateKey = {siteKeys.Private}\nAddress = {siteTunnel}/{(hub is null ? 24 : 16)}\nListenPort = {SiteListenPort}\n\n" +
            $"[Peer]\nPublicKey = {gateway.Public}\nAllowedIPs = {gatewayTunnel}/32\n");
        return site;
    }

    private Task WriteHubConfAsync(KeyPair hub, LabOptions options) =>
        WriteSecretFileAsync(_sites[0].GatewayConfPath,
            $"[Interface]\nPrivateKey = {hub.Private}\nAddress = {HubTunnelAddress}/16\nListenPort = {FirstGatewayListenPort}\n" +
            string.Concat(_sites.Select(site => "\n" + GatewayPeerSection(site, options))));

    /// <summary>The gateway's [Peer] for one site: the gateway dials the site (by name with <see cref="LabOptions.UseHostnames"/>).</summary>
    private static string GatewayPeerSection(LabSite site, LabOptions options)
    {
        var keepalive = options.PersistentKeepaliveSeconds is { } seconds ? $"PersistentKeepalive = {seconds}\n" : "";
        var endpointHost = options.UseHostnames ? site.Hostname : site.UnderlayAddress;
        return $"[Peer]\nPublicKey = {site.SitePublicKey}\nAllowedIPs = {site.TunnelAddress}/32\nEndpoint = {endpointHost}:{SiteListenPort}\n{keepalive}";
    }

    private sealed record KeyPair(string Private, string Public);

    private async Task<KeyPair> NewKeyPairAsync()
    {
        var privateKey = (await _commands.RunAsync("wg", "genkey")).Trim();
        return new KeyPair(privateKey, (await _commands.WithInputAsync(privateKey, "wg", "pubkey")).Trim());
    }

    private string GatewayVeth(int siteIndex) => $"{RunId}v{siteIndex}g";

    // ---- Faults -------------------------------------------------------------------------------------

    /// <summary>The site's interface goes away (it loses its session), as when the remote restarts.</summary>
    public Task SiteDownAsync(LabSite site) => _commands.RunInAsync(site.Namespace, "wg-quick", "down", site.SiteConfPath);

    public Task SiteUpAsync(LabSite site) => _commands.RunDetachedInAsync(site.Namespace, "wg-quick", "up", site.SiteConfPath);

    /// <summary>The site restarts: its interface goes down and comes back up, and the session it had is gone.</summary>
    public async Task SiteRestartAsync(LabSite site)
    {
        await SiteDownAsync(site);
        await SiteUpAsync(site);
    }

    /// <summary>Drops (or stops dropping) the site's underlay traffic in the gateway namespace with an nft rule.</summary>
    public Task BlackholeAsync(LabSite site, bool on) =>
        DropAsync($"wgs_{RunId}_s{site.Index}", on, ["ip", "daddr", site.UnderlayAddress], ["ip", "saddr", site.UnderlayAddress]);

    /// <summary>
    /// Random loss on the site's underlay, <paramref name="percent"/> % each way (nft numgen in the gateway namespace, on
    /// the site's veth so that it follows a moved site). Its own table: it combines with <see cref="BlackholeAsync"/>.
    /// </summary>
    public Task LossyAsync(LabSite site, int percent, bool on)
    {
        if (percent is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(percent), "1 to 100 %");
        var veth = $"\"{GatewayVeth(site.Index)}\"";
        string[] loss = ["numgen", "random", "mod", "100", "<", percent.ToString(CultureInfo.InvariantCulture)];
        return DropAsync($"wgs_{RunId}_l{site.Index}", on, ["oifname", veth, .. loss], ["iifname", veth, .. loss]);
    }

    /// <summary>The gateway's uplink fails (or comes back): every site's underlay is dropped at once, by one nft table.</summary>
    public Task UplinkAsync(bool down) =>
        DropAsync($"wgs_{RunId}_up", down, ["ip", "daddr", Underlay], ["ip", "saddr", Underlay]);

    /// <summary>
    /// Adds a table of two chains to the gateway namespace that drop outgoing packets matching <paramref name="outgoing"/>
    /// and incoming ones matching <paramref name="incoming"/>; or deletes the table.
    /// </summary>
    private async Task DropAsync(string table, bool on, string[] outgoing, string[] incoming)
    {
        if (on)
        {
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "table", "inet", table);
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "chain", "inet", table, "out", "{ type filter hook output priority 0 ; }");
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "chain", "inet", table, "in", "{ type filter hook input priority 0 ; }");
            await _commands.RunInAsync(GatewayNamespace, "nft", ["add", "rule", "inet", table, "out", .. outgoing, "drop"]);
            await _commands.RunInAsync(GatewayNamespace, "nft", ["add", "rule", "inet", table, "in", .. incoming, "drop"]);
        }
        else
        {
            await _commands.RunInAsync(GatewayNamespace, "nft", "delete", "table", "inet", table);
        }
    }

    /// <summary>
    /// The site's underlay address changes (a dynamic IP moved) and its hostname in the gateway namespace's
    /// hosts file follows. WireGuard alone never notices: it resolved the name once.
    /// </summary>
    public async Task<LabSite> MoveSiteAsync(LabSite site)
    {
        var moved = site.UnderlayAddress == $"10.250.{site.Index}.2" ? $"10.250.{site.Index}.3" : $"10.250.{site.Index}.2";
        var veth = $"{RunId}v{site.Index}s";
        // Delete first: removing a primary address also removes the secondaries of its subnet.
        await _commands.RunAsync("ip", "-n", site.Namespace, "addr", "del", $"{site.UnderlayAddress}/24", "dev", veth);
        await _commands.RunAsync("ip", "-n", site.Namespace, "addr", "add", $"{moved}/24", "dev", veth);
        var updated = site with { UnderlayAddress = moved };
        _sites[_sites.IndexOf(site)] = updated;
        var hostsPath = Path.Combine(_netnsEtc, "hosts");
        if (File.Exists(hostsPath))
            await File.WriteAllLinesAsync(hostsPath, File.ReadAllLines(hostsPath)
                .Select(line => line.EndsWith($" {site.Hostname}", StringComparison.Ordinal) ? $"{moved} {site.Hostname}" : line));
        return updated;
    }

    /// <summary>Kills the gateway-side wireguard-go of this site by PID; the interface dies with it.</summary>
    public async Task KillGatewayProcessAsync(LabSite site)
    {
        var pid = FindWireGuardGo(site.GatewayInterface) ?? throw new LabException($"no wireguard-go serves {site.GatewayInterface}");
        await _commands.RunAsync("kill", "-9", pid.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Sends one ping through the tunnel from the gateway; true if it was answered within the wait.</summary>
    public async Task<bool> PingAsync(LabSite site, double waitSeconds = 1)
    {
        var result = await _commands.TryAsync(GatewayNamespace, "ping", "-c", "1", "-W", waitSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            site.TunnelAddress);
        return result.Succeeded;
    }

    // ---- Clean-up -----------------------------------------------------------------------------------

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var gatewaysDown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var site in _sites)
        {
            // A hub's conf is every site's gateway conf: one down takes it.
            if (gatewaysDown.Add(site.GatewayConfPath)) await _commands.TryAsync(GatewayNamespace, "wg-quick", "down", site.GatewayConfPath);
            await _commands.TryAsync(site.Namespace, "wg-quick", "down", site.SiteConfPath);
        }
        // Whatever survived (a wg-quick that failed half-way): end our own processes by PID.
        foreach (var name in InterfaceNames())
        {
            if (FindWireGuardGo(name) is { } pid) await _commands.TryAsync(null, "kill", "-9", pid.ToString(CultureInfo.InvariantCulture));
            TryDelete(Path.Combine(UapiDirectory, $"{name}.sock"));
        }
        foreach (var ns in Enumerable.Reverse(_namespaces)) await _commands.TryAsync(null, "ip", "netns", "delete", ns);
        if (System.IO.Directory.Exists(_netnsEtc)) System.IO.Directory.Delete(_netnsEtc, recursive: true);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>What of this lab is still on the machine (for tests that check the clean-up).</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var left = new List<string>();
        var namespaces = File.Exists("/var/run/netns") || System.IO.Directory.Exists("/var/run/netns")
            ? System.IO.Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).ToHashSet()
            : [];
        left.AddRange(_namespaces.Where(namespaces.Contains).Select(ns => $"namespace {ns}"));
        foreach (var name in InterfaceNames())
        {
            if (FindWireGuardGo(name) is { } pid) left.Add($"wireguard-go {name} (pid {pid})");
            if (File.Exists(Path.Combine(UapiDirectory, $"{name}.sock"))) left.Add($"socket {name}.sock");
        }
        if (System.IO.Directory.Exists(Directory)) left.Add($"directory {Directory}");
        return left;
    }

    private IEnumerable<string> InterfaceNames() =>
        _sites.SelectMany(s => new[] { s.GatewayInterface, s.SiteInterface }).Distinct(StringComparer.Ordinal);

    private async Task AddNamespaceAsync(string name)
    {
        await _commands.RunAsync("ip", "netns", "add", name);
        _namespaces.Add(name);
        await _commands.RunAsync("ip", "-n", name, "link", "set", "lo", "up");
    }

    /// <summary>The live (not zombie) wireguard-go process serving <paramref name="interfaceName"/>, found by its command line.</summary>
    public static int? FindWireGuardGo(string interfaceName)
    {
        foreach (var directory in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (commandLine.Length == 2 && Path.GetFileName(commandLine[0]) == "wireguard-go" && commandLine[1] == interfaceName) return pid;
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    private static async Task WriteSecretFileAsync(string path, string content)
    {
        await File.WriteAllTextAsync(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static string NewRunId()
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return "w" + new string(Enumerable.Range(0, 3).Select(_ => letters[Random.Shared.Next(letters.Length)]).ToArray());
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
        .Concat(["/usr/sbin", "/sbin"]).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
