using Serilog;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Lab;

namespace WgSupervisor.Host.Demo;

/// <summary>
/// `wgsupervisor demo`: builds a real lab (a gateway namespace and three site namespaces with wireguard-go),
/// supervises it on the embedded defaults (single node, SQLite), breaks a tunnel now and then so that a
/// repair can be watched, and removes everything on Ctrl-C.
/// </summary>
public static class DemoCommand
{
    private const int Sites = 3;
    private static readonly TimeSpan BreakEvery = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(CommandLine arguments)
    {
        if (WireGuardLab.MissingPrerequisite() is { } missing)
        {
            Console.Error.WriteLine($"wgsupervisor demo: {missing}");
            return 1;
        }

        Log.Information("Building the demo lab: a gateway namespace and {Sites} sites with wireguard-go", Sites);
        await using var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: Sites, PersistentKeepaliveSeconds: 5, UseHostnames: true));
        var token = Environment.GetEnvironmentVariable(AdminToken.EnvironmentVariable) is { Length: >= 16 } given
            ? given
            : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var config = DemoConfig(lab) with { AdminToken = AdminToken.Of(token) };
        var app = SupervisorHost.Build(config);
        await app.StartAsync();
        // The demo's own, throwaway token: printed so that the dashboard's buttons can be tried.
        Console.WriteLine();
        Console.WriteLine($"  Dashboard:    {config.AdminUrl}");
        Console.WriteLine($"  Admin API:    {config.AdminUrl}api/tunnels");
        Console.WriteLine($"  Admin token:  {token}   (for the dashboard's buttons and wgsup --token)");
        Console.WriteLine($"  Every minute one tunnel breaks (gateway crash, site restart, endpoint move); Ctrl-C stops and removes the lab.");
        Console.WriteLine();
        try
        {
            await BreakTunnelsAsync(lab, app.Lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C.
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Log.Information("Removing the demo lab {RunId}", lab.RunId);
        }
        return 0;
    }

    private static SupervisorSettings DemoConfig(WireGuardLab lab) => new(
        NodeName: "demo",
        AdminUrl: new Uri("http://127.0.0.1:5080"),
        PollInterval: TimeSpan.FromSeconds(2),
        MaxConcurrentRestarts: 2,
        Journal: new JournalSettings(JournalProvider.Sqlite, "data/demo.db", null, 100),
        Cluster: new SupervisorClusterSettings("127.0.0.1", 0, []),
        Tunnels: lab.Sites.Select(site => new TunnelSettings
        {
            Name = $"site{site.Index}",
            Interface = site.GatewayInterface,
            PeerPublicKey = site.SitePublicKey,
            Namespace = lab.GatewayNamespace,
            WgQuickConfig = site.GatewayConfPath,
            Site = $"site{site.Index}",
            VerifyTimeout = TimeSpan.FromSeconds(20),
            Ladder = [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface],
            Probe = new ProbeSettings(ProbeKind.Icmp, site.TunnelAddress, null, ProbeSettings.DefaultInterval, ProbeSettings.DefaultTimeout,
                ProbeSettings.DefaultFailuresBeforeStale),
        }).ToList(),
        Warnings: []);

    /// <summary>Every minute one tunnel breaks, in turn: its gateway process dies, its site restarts, or its site moves address.</summary>
    private static async Task BreakTunnelsAsync(WireGuardLab lab, CancellationToken stopping)
    {
        for (var round = 0; !stopping.IsCancellationRequested; round++)
        {
            await Task.Delay(BreakEvery, stopping);
            var site = lab.Sites[round % lab.Sites.Count];
            try
            {
                switch (round % 3)
                {
                    case 0:
                        Log.Warning("Demo: killing the gateway's wireguard-go of site{Index}: expect restart-interface", site.Index);
                        await lab.KillGatewayProcessAsync(site);
                        break;
                    case 1:
                        Log.Warning("Demo: site{Index} restarts and loses its session: expect reset-peer", site.Index);
                        await lab.SiteDownAsync(site);
                        await lab.SiteUpAsync(site);
                        break;
                    default:
                        Log.Warning("Demo: site{Index} moves to a new address (its name follows): expect reresolve-endpoint", site.Index);
                        await lab.MoveSiteAsync(site);
                        break;
                }
            }
            catch (LabException e)
            {
                Log.Warning("Demo: could not break site{Index}: {Error}", site.Index, e.Message);
            }
        }
    }
}
