using Serilog;
using WgSupervisor.Host.Observability;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Host.Admin;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Dashboard;
using WgSupervisor.Host.Hosting;
using WgSupervisor.Host.Security;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Simulation;
using WgSupervisor.WireGuard.Sockets;

namespace WgSupervisor.Host;

/// <summary>Builds the supervisor's web host (admin endpoint + actor system) from a validated configuration.</summary>
public static class SupervisorHost
{
    /// <summary>The process's exit code when the cluster downed this node.</summary>
    public const int ExitDowned = 3;

    public static WebApplication Build(SupervisorSettings config, IWireGuard? wireGuard = null, IProber? prober = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        if (AdminListener.Configure(builder.WebHost, config) is { } adminCertificate)
            builder.Services.AddCertificateExpiryMonitor(config.NodeName, AdminListener.CertificateUsage, adminCertificate);
        builder.Services.AddSerilog();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<AskTimeoutHandler>();
        builder.Services.AddHealthChecks();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        // A simulated world's addresses are made up: nothing may be sent to them.
        var effectiveProber = prober ?? (config.Backend == BackendKind.Simulated ? new SimulatedWorldProber() : new SocketProber());
        var adapter = wireGuard ?? CreateBackend(config);
        if (adapter is WireGuardAdapter real) Log.Information("Observing WireGuard through {Source}", real.EffectiveSource == ObservationSource.Uapi
            ? "the UAPI sockets (no process per poll)" : "wg show all dump");
        builder.Services.AddWgSupervisorAkka(config, adapter, effectiveProber);
        builder.Services.AddSingleton<HistoryReader>();
        if (config.Cluster.Enabled)
            builder.Services.AddSingleton<ITunnelDirectory>(services => new ClusterTunnelDirectory(
                services.GetRequiredService<Akka.Hosting.IRequiredActor<WgSupervisor.Actors.Clustering.ClusterViewActor>>(),
                services.GetRequiredService<Akka.Hosting.IRequiredActor<WgSupervisor.Actors.Fleet.FleetActor>>(),
                services.GetRequiredService<Akka.Actor.ActorSystem>(), config.NodeName));
        else
            builder.Services.AddSingleton<ITunnelDirectory>(services => new LocalTunnelDirectory(
                services.GetRequiredService<Akka.Hosting.IRequiredActor<WgSupervisor.Actors.Fleet.FleetActor>>(), config.NodeName));
        builder.Services.AddSingleton(config.AdminToken);
        builder.Services.AddAdminAccess(config);
        builder.Services.AddSingleton(config.Webhooks);
        builder.Services.AddHostedService<WgSupervisor.Host.Notifications.WebhookDispatcher>();
        builder.Services.AddAdminOpenApi();
        builder.Services.AddFleetListAnswers();

        var app = builder.Build();
        if (effectiveProber is IDisposable disposable) app.Lifetime.ApplicationStopped.Register(disposable.Dispose);
        // An actor system that shuts itself down (the cluster downed this node, or remoting gave up after a failed TLS handshake)
        // takes the process with it, with an exit code that tells the service manager to start it again (it then rejoins).
        // Only a stop asked of the host (SIGTERM, Ctrl-C: Akka.Hosting's ClrExitReason) ends with 0.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var system = app.Services.GetRequiredService<Akka.Actor.ActorSystem>();
            system.WhenTerminated.ContinueWith(_ =>
            {
                var reason = Akka.Actor.CoordinatedShutdown.Get(system).ShutdownReason;
                if (reason is null or Akka.Actor.CoordinatedShutdown.ClrExitReason) return;
                Log.Warning("The actor system shut down ({Reason}): stopping with exit code {ExitCode}; a restart rejoins the cluster",
                    reason.GetType().Name, ExitDowned);
                Environment.ExitCode = ExitDowned;
                app.Lifetime.StopApplication();
            }, TaskScheduler.Default);
        });
        // The simulation keeps timers and a state file.
        if (adapter is IDisposable backend) app.Lifetime.ApplicationStopped.Register(backend.Dispose);
        app.UseResponseCompression();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAdminAccess();
        app.MapOpenApi();
        app.MapPrometheusMetrics();
        app.MapAdminApi(config);
        app.MapDashboard();
        return app;
    }

    private static IWireGuard CreateBackend(SupervisorSettings config) => config.Backend switch
    {
        BackendKind.Simulated => new WgSupervisor.WireGuard.Simulation.SimulatedWireGuard(config.Simulation!, TimeProvider.System),
        _ => new WireGuardAdapter(new ProcessRunner(), TimeProvider.System),
    };

    public static void ConfigureLogging()
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
    }
}
