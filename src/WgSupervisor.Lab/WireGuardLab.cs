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
public sealed record LabOptions(int Sites = 1, int? PersistentKeepaliveSeconds = 5, bool UseHostnames = false, bool SitesStartDown = false);

/// <summary>
/// A real WireGuard lab on this machine: a gateway namespace and N site namespaces joined by veth pairs
/// (underlay 10.250.N.0/24), one wireguard-go tunnel per site (10.251.N.0/24), and the faults the tests
/// make (site down, blackhole, endpoint move, gateway process killed). Every name carries a run id, since
/// userspace WireGuard's sockets in /var/run/wireguard are shared by all namespaces. Disposing removes
/// every namespace, process, socket and file the lab made — also after a failure half-way through set-up.
/// </summary>
public sealed class WireGuardLab : IAsyncDisposable
{
    private const string UapiDirectory = "/var/run/wireguard";
    private const int SiteListenPort = 51820;
    private const int FirstGatewayListenPort = 51000;

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
        var hosts = new List<string> { "127.0.0.1 localhost" };
        for (var i = 1; i <= options.Sites; i++)
        {
            var site = await BuildSiteAsync(i, options);
            _sites.Add(site);
            hosts.Add($"{site.UnderlayAddress} {site.Hostname}");
        }
        if (options.UseHostnames) await File.WriteAllLinesAsync(Path.Combine(_netnsEtc, "hosts"), hosts);
        foreach (var site in _sites)
        {
            await _commands.RunDetachedInAsync(GatewayNamespace, "wg-quick", "up", site.GatewayConfPath);
            if (!options.SitesStartDown) await _commands.RunDetachedInAsync(site.Namespace, "wg-quick", "up", site.SiteConfPath);
        }
    }

    private async Task<LabSite> BuildSiteAsync(int i, LabOptions options)
    {
        var siteNamespace = $"wgs-{RunId}-s{i}";
        await AddNamespaceAsync(siteNamespace);
        var gatewayVeth = $"{RunId}v{i}g";
        var siteVeth = $"{RunId}v{i}s";
        await _commands.RunAsync("ip", "link", "add", gatewayVeth, "netns", GatewayNamespace, "type", "veth", "peer", "name", siteVeth, "netns", siteNamespace);
        var gatewayUnderlay = $"10.250.{i}.1";
        var siteUnderlay = $"10.250.{i}.2";
        await _commands.RunAsync("ip", "-n", GatewayNamespace, "addr", "add", $"{gatewayUnderlay}/24", "dev", gatewayVeth);
        await _commands.RunAsync("ip", "-n", siteNamespace, "addr", "add", $"{siteUnderlay}/24", "dev", siteVeth);
        await _commands.RunAsync("ip", "-n", GatewayNamespace, "link", "set", gatewayVeth, "up");
        await _commands.RunAsync("ip", "-n", siteNamespace, "link", "set", siteVeth, "up");

        var gatewayKey = (await _commands.RunAsync("wg", "genkey")).Trim();
        var siteKey = (await _commands.RunAsync("wg", "genkey")).Trim();
        var gatewayPublic = (await _commands.WithInputAsync(gatewayKey, "wg", "pubkey")).Trim();
        var sitePublic = (await _commands.WithInputAsync(siteKey, "wg", "pubkey")).Trim();

        var gatewayInterface = $"{RunId}g{i}";
        var siteInterface = $"{RunId}s{i}";
        var hostname = $"site{i}.{RunId}.lab";
        var listenPort = FirstGatewayListenPort + i;
        var gatewayConf = Path.Combine(Directory, $"{gatewayInterface}.conf");
        var siteConf = Path.Combine(Directory, $"{siteInterface}.conf");
        var keepalive = options.PersistentKeepaliveSeconds is { } seconds ? $"PersistentKeepalive = {seconds}\n" : "";
        var endpointHost = options.UseHostnames ? hostname : siteUnderlay;
        await WriteSecretFileAsync(gatewayConf,
            $"[Interface]\nPrivateKey = {gatewayKey}\nAddress = 10.251.{i}.1/24\nListenPort = {listenPort}\n\n" +
            $"[Peer]\nPublicKey = {sitePublic}\nAllowedIPs = 10.251.{i}.2/32\nEndpoint = {endpointHost}:{SiteListenPort}\n{keepalive}");
        await WriteSecretFileAsync(siteConf,
            $"[Interface]\nPrivateKey = {siteKey}\nAddress = 10.251.{i}.2/24\nListenPort = {SiteListenPort}\n\n" +
            $"[Peer]\nPublicKey = {gatewayPublic}\nAllowedIPs = 10.251.{i}.1/32\n");
        return new LabSite(i, siteNamespace, siteInterface, gatewayInterface, gatewayConf, siteConf, sitePublic, gatewayPublic,
            siteUnderlay, gatewayUnderlay, $"10.251.{i}.2", $"10.251.{i}.1", hostname, listenPort);
    }

    // ---- Faults -------------------------------------------------------------------------------------

    /// <summary>The site's interface goes away (it loses its session), as when the remote restarts.</summary>
    public Task SiteDownAsync(LabSite site) => _commands.RunInAsync(site.Namespace, "wg-quick", "down", site.SiteConfPath);

    public Task SiteUpAsync(LabSite site) => _commands.RunDetachedInAsync(site.Namespace, "wg-quick", "up", site.SiteConfPath);

    /// <summary>Drops (or stops dropping) the site's underlay traffic in the gateway namespace with an nft rule.</summary>
    public async Task BlackholeAsync(LabSite site, bool on)
    {
        var table = $"wgs_{RunId}_s{site.Index}";
        if (on)
        {
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "table", "inet", table);
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "chain", "inet", table, "out", "{ type filter hook output priority 0 ; }");
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "chain", "inet", table, "in", "{ type filter hook input priority 0 ; }");
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "rule", "inet", table, "out", "ip", "daddr", site.UnderlayAddress, "drop");
            await _commands.RunInAsync(GatewayNamespace, "nft", "add", "rule", "inet", table, "in", "ip", "saddr", site.UnderlayAddress, "drop");
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
        foreach (var site in _sites)
        {
            await _commands.TryAsync(GatewayNamespace, "wg-quick", "down", site.GatewayConfPath);
            await _commands.TryAsync(site.Namespace, "wg-quick", "down", site.SiteConfPath);
        }
        // Whatever survived (a wg-quick that failed half-way): end our own processes by PID.
        foreach (var name in _sites.SelectMany(s => new[] { s.GatewayInterface, s.SiteInterface }))
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
        foreach (var name in _sites.SelectMany(s => new[] { s.GatewayInterface, s.SiteInterface }))
        {
            if (FindWireGuardGo(name) is { } pid) left.Add($"wireguard-go {name} (pid {pid})");
            if (File.Exists(Path.Combine(UapiDirectory, $"{name}.sock"))) left.Add($"socket {name}.sock");
        }
        if (System.IO.Directory.Exists(Directory)) left.Add($"directory {Directory}");
        return left;
    }

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
