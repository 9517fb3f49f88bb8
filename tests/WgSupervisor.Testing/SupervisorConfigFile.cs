using System.Text.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Lab;

namespace WgSupervisor.Testing;

/// <summary>A supervisor configuration file in a temporary directory of its own (with room for the journal), removed on Dispose.</summary>
public sealed class SupervisorConfigFile : IDisposable
{
    /// <param name="configuration">Serialized as the file's JSON.</param>
    /// <param name="prefix">Starts the directory's name, to tell whose it is (wgs-test-…, wgs-bench-…).</param>
    public SupervisorConfigFile(object configuration, string prefix = "wgs-test")
    {
        Directory = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        FilePath = System.IO.Path.Combine(Directory, "wgsupervisor.json");
        Write(configuration);
    }

    public string Directory { get; }
    public string FilePath { get; }
    public string JournalPath => System.IO.Path.Combine(Directory, "journal.db");

    /// <summary>Replaces the file's content (for a configuration that names <see cref="JournalPath"/> or a port chosen later).</summary>
    public void Write(object configuration) =>
        File.WriteAllText(FilePath, JsonSerializer.Serialize(configuration, new JsonSerializerOptions { WriteIndented = true }));

    public static readonly string[] DefaultLadder = ["reresolve-endpoint", "reset-peer", "restart-interface"];

    /// <summary>An ICMP probe to the site's tunnel address every second, stale after 3 failures.</summary>
    public static object IcmpProbe(LabSite site) => new { Kind = "icmp", Address = site.TunnelAddress, IntervalSeconds = 1, TimeoutSeconds = 0.8, Failures = 3 };

    /// <summary>A fast-moving configuration for one lab: short thresholds so that a test sees a whole episode in seconds.</summary>
    public static object ForLab(WireGuardLab lab, int port, string journalPath, double staleAfterSeconds = 5, double verifyTimeoutSeconds = 4,
        int maxConcurrentRestarts = 2, string[]? ladder = null, Func<LabSite, object?>? probe = null, string nodeName = "itest") => new
    {
        NodeName = nodeName,
        Admin = new { Url = $"http://127.0.0.1:{port}" },
        PollIntervalSeconds = 1,
        MaxConcurrentRestarts = maxConcurrentRestarts,
        Journal = new { Provider = "Sqlite", SqlitePath = journalPath },
        Discover = false,
        Defaults = new
        {
            StaleAfterSeconds = staleAfterSeconds,
            VerifyTimeoutSeconds = verifyTimeoutSeconds,
            Backoff = new { BaseSeconds = 2, Factor = 2, CapSeconds = 4 },
            Repair = ladder ?? ["restart-interface"],
        },
        Tunnels = lab.Sites.Select(site => new
        {
            Name = $"site{site.Index}",
            Interface = site.GatewayInterface,
            PeerPublicKey = site.SitePublicKey,
            Namespace = lab.GatewayNamespace,
            WgQuickConfig = site.GatewayConfPath,
            Site = $"site{site.Index}",
            Probe = probe?.Invoke(site),
        }).ToArray(),
    };

    /// <summary>
    /// A lab configured as a new user would (issue 11): per tunnel only its identity, its site and an ICMP probe of the
    /// site's tunnel address every second; the ladder, thresholds, verify timeouts, backoff, probe timeout and failures,
    /// confirming burst, permits and common-cause hold all at their defaults. Polls every second like every lab
    /// configuration here (the default 5 s would make the interface-gone class a poll-phase lottery); no discovery, so
    /// that other labs on the machine are not supervised. As JSON, for callers that add a key or two.
    /// </summary>
    /// <param name="underlayProbe">Sets each tunnel's UnderlayProbe: a stale tunnel pings its endpoint outside the tunnel.</param>
    /// <param name="uplink">Names each tunnel's Uplink (null for a site: the key is left out).</param>
    public static JsonObject AsNewUser(WireGuardLab lab, int port, string journalPath, bool underlayProbe = false,
        Func<LabSite, string?>? uplink = null, string nodeName = "itest")
    {
        var tunnels = new JsonArray();
        foreach (var site in lab.Sites)
        {
            var tunnel = new JsonObject
            {
                ["Name"] = TunnelName(site),
                ["Interface"] = site.GatewayInterface,
                ["PeerPublicKey"] = site.SitePublicKey,
                ["Namespace"] = lab.GatewayNamespace,
                ["WgQuickConfig"] = site.GatewayConfPath,
                ["Site"] = TunnelName(site),
                ["Probe"] = new JsonObject { ["Kind"] = "icmp", ["Address"] = site.TunnelAddress, ["IntervalSeconds"] = 1 },
            };
            if (underlayProbe) tunnel["UnderlayProbe"] = true;
            if (uplink?.Invoke(site) is { } name) tunnel["Uplink"] = name;
            tunnels.Add(tunnel);
        }
        return new JsonObject
        {
            ["NodeName"] = nodeName,
            ["Admin"] = new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" },
            ["PollIntervalSeconds"] = 1,
            ["Journal"] = new JsonObject { ["Provider"] = "Sqlite", ["SqlitePath"] = journalPath },
            ["Discover"] = false,
            ["Tunnels"] = tunnels,
        };
    }

    /// <summary>The name every lab configuration here gives the tunnel to <paramref name="site"/>.</summary>
    public static string TunnelName(LabSite site) => $"site{site.Index}";

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
