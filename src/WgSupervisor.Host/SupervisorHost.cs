using Serilog;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Host.Admin;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Host.Hosting;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Host;

/// <summary>Builds the supervisor's web host (admin endpoint + actor system) from a validated configuration.</summary>
public static class SupervisorHost
{
    public static WebApplication Build(SupervisorConfig config, IWireGuard? wireGuard = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(config.AdminUrl.ToString());
        builder.Services.AddSerilog();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddWgSupervisorAkka(config, wireGuard ?? new CommandWireGuard(new ProcessRunner(), TimeProvider.System));
        builder.Services.AddSingleton<HistoryReader>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapAdminApi(config);
        return app;
    }

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
