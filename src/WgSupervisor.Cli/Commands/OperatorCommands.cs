using System.CommandLine;
using WgSupervisor.Cli.Api;

namespace WgSupervisor.Cli.Commands;

/// <summary>
/// Commands that change the supervisor: they need the admin token, carry --operator as who asked, and print
/// what the supervisor accepted (202). The work itself happens afterwards: `events` and `watch` show it.
/// </summary>
public static class OperatorCommands
{
    public static Command Restart(CommandRunner runner) =>
        TunnelCommand(runner, "restart", "Queue a repair of the tunnel (through the same permits as automatic repairs)", withReason: false);

    public static Command Pause(CommandRunner runner) =>
        TunnelCommand(runner, "pause", "Maintenance: keep observing the tunnel, never repair it", withReason: true);

    public static Command Resume(CommandRunner runner) => TunnelCommand(runner, "resume", "End the tunnel's maintenance", withReason: false);

    public static Command Release(CommandRunner runner) => TunnelCommand(runner, "release", "End the tunnel's quarantine now", withReason: false);

    /// <summary>`site pause SITE` and `site resume SITE`.</summary>
    public static Command Site(CommandRunner runner) => new("site", "Maintenance of every tunnel of a site at once")
    {
        SiteCommand(runner, "pause", "pause", "Pause every tunnel of the site", withReason: true),
        SiteCommand(runner, "resume", "resume", "Resume every tunnel of the site", withReason: false),
    };

    /// <summary>`pause-site SITE`, the same as `site pause SITE`.</summary>
    public static Command PauseSite(CommandRunner runner) =>
        SiteCommand(runner, "pause-site", "pause", "Pause every tunnel of the site (= site pause)", withReason: true);

    public static Command ResumeSite(CommandRunner runner) =>
        SiteCommand(runner, "resume-site", "resume", "Resume every tunnel of the site (= site resume)", withReason: false);

    private static Command TunnelCommand(CommandRunner runner, string verb, string description, bool withReason)
    {
        var name = Arguments.Name("NAME", "The tunnel");
        var reason = Arguments.Reason();
        var command = new Command(verb, description) { name };
        if (withReason) command.Add(reason);
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            var tunnel = context.Parse.GetRequiredValue(name);
            using var client = context.CreateClient();
            var answer = await client.PostAsync($"api/tunnels/{Arguments.Segment(tunnel)}/{verb}", Body(context, withReason ? reason : null), cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            var accepted = answer.Read<TunnelCommandAccepted>();
            context.WriteLine($"{accepted.Tunnel ?? tunnel}: {accepted.Detail ?? $"{verb} accepted"}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command SiteCommand(CommandRunner runner, string commandName, string verb, string description, bool withReason)
    {
        var site = Arguments.Name("SITE", "The site label of the tunnels");
        var reason = Arguments.Reason();
        var command = new Command(commandName, description) { site };
        if (withReason) command.Add(reason);
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            var siteName = context.Parse.GetRequiredValue(site);
            using var client = context.CreateClient();
            var answer = await client.PostAsync($"api/sites/{Arguments.Segment(siteName)}/{verb}", Body(context, withReason ? reason : null), cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            var accepted = answer.Read<SiteCommandAccepted>();
            var tunnels = accepted.Tunnels ?? [];
            context.WriteLine($"site {accepted.Site ?? siteName}: {verb} sent to {tunnels.Count} tunnel{(tunnels.Count == 1 ? "" : "s")}" +
                              (tunnels.Count > 0 ? $" ({string.Join(", ", tunnels)})" : ""));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>{"reason": "..."} when a reason was given; no body otherwise (the API then records none).</summary>
    private static object? Body(CommandContext context, Option<string?>? reason) =>
        reason is not null && context.Parse.GetValue(reason) is { Length: > 0 } text ? new { reason = text } : null;
}
