using System.Text.Json;
using WgSupervisor.Lab;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>Writes a supervisor configuration file for a test, in its own temporary directory.</summary>
public sealed class SupervisorConfigFile : IDisposable
{
    public SupervisorConfigFile(object configuration)
    {
        Directory = Path.Combine(Path.GetTempPath(), $"wgs-test-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        FilePath = System.IO.Path.Combine(Directory, "wgsupervisor.json");
        File.WriteAllText(FilePath, JsonSerializer.Serialize(configuration, new JsonSerializerOptions { WriteIndented = true }));
    }

    public string Directory { get; }
    public string FilePath { get; }
    public string JournalPath => System.IO.Path.Combine(Directory, "journal.db");

    public static readonly string[] DefaultLadder = ["reresolve-endpoint", "reset-peer", "restart-interface"];

    /// <summary>An ICMP probe to the site's tunnel address every second, stale after 3 failures.</summary>
    public static object IcmpProbe(LabSite site) => new { Kind = "icmp", Address = site.TunnelAddress, IntervalSeconds = 1, TimeoutSeconds = 0.8, Failures = 3 };

    /// <summary>A fast-moving configuration for one lab: short thresholds so that a test sees a whole episode in seconds.</summary>
    public static object ForLab(WireGuardLab lab, int port, string journalPath, double staleAfterSeconds = 5, double verifyTimeoutSeconds = 4,
        int maxConcurrentRestarts = 2, string[]? ladder = null, Func<LabSite, object?>? probe = null) => new
    {
        NodeName = "itest",
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

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
