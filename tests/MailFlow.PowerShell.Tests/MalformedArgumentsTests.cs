using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailFlow.Configuration.Model;
using MailFlow.Core.Storage;
using MailFlow.Management;
using MailFlow.Testing;

namespace MailFlow.PowerShell.Tests;

/// <summary>
/// Every command the module exports (enumerated in pwsh, so a new cmdlet is covered without touching this test),
/// given malformed arguments in the pwsh tool: each is refused with an error an admin can read — no .NET stack
/// frames, no "Exception calling", a category other than NotSpecified, the input named — and nothing in the data
/// directory changes.
/// </summary>
public sealed partial class MalformedArgumentsTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mailflow-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Each parameter gets the malformed values of its kind: identities (mandatory, positional, or -Identity, -Thumbprint,
    /// -Server, -Queue) an empty string, "\\", "a\b\c\d" and, except on New-* where any new name is valid, one that does
    /// not exist; paths one that does not exist and a directory; enums an unknown name; numbers (by type, or a Max/Size/
    /// Count/Limit/Interval/Timeout/Port name for the settable object parameters) -1; booleans and dates text that is neither.
    /// The other mandatory parameters of the same parameter set get a neutral value: Set-* an object that exists (from
    /// its Get-*), so that the value under test is what gets checked. Every call has -Confirm:$false: a prompt in a
    /// non-interactive pwsh is an error of its own.
    /// </summary>
    private const string Script = """
        $ErrorActionPreference = 'Continue'
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters + 'DataDirectory'
        $directory = Join-Path $env:MAILFLOW_DATA 'certificates'
        $missing = Join-Path $env:MAILFLOW_DATA 'no-such-file.pfx'
        $nonexistent = 'Nonexistent-Identity-7f3a'
        # A certificate without its key, outside the data directory: Import-ExchangeCertificate's -FileName when -KeyFileName is under test.
        $pem = Join-Path (Split-Path $env:MAILFLOW_DATA) 'public-only.pem'
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=malformed.test', $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        Set-Content $pem $request.CreateSelfSigned((Get-Date), (Get-Date).AddDays(1)).ExportCertificatePem()

        function TypeOf($parameter) {
            $type = [Nullable]::GetUnderlyingType($parameter.ParameterType) ?? $parameter.ParameterType
            if ($type.IsArray) { $type.GetElementType() } else { $type }
        }

        function IsIdentity($parameter) {
            $parameter.Name -in 'Identity', 'Thumbprint', 'Server', 'Queue' -or ($parameter.ParameterSets.Values | Where-Object { $_.IsMandatory -or $_.Position -eq 0 })
        }

        function Values($command, $parameter) {
            $type = TypeOf $parameter
            if ($type -eq [System.Security.SecureString] -or $type -eq [System.Management.Automation.SwitchParameter]) { return }
            if ($type.IsEnum) { return 'NoSuchValue' }
            if ($type -in [int], [long] -or ($type -eq [object] -and $parameter.Name -match 'Max|Size|Count|Limit|Interval|Timeout|Port')) { return '-1' }
            if ($type -eq [bool]) { return 'maybe' }
            if ($type -eq [datetime]) { return 'not a date', '13/45/2020 99:99' }
            if ($parameter.Name -match 'FileName$|^FileData$') { return $missing, $directory }
            if (IsIdentity $parameter) {
                if (-not ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.AllowEmptyStringAttribute] })) { '' }
                if ($command.Verb -ne 'New') { '\\', 'a\b\c\d', $nonexistent }
            }
        }

        function Neutral($command, $parameter) {
            $type = TypeOf $parameter
            if ($type.IsEnum) { return [enum]::GetValues($type)[-1] }
            if ($type -in [int], [long]) { return 1 }
            if ($parameter.Name -match 'FileName$|^FileData$') { return $pem }
            $get = Get-Command "Get-$($command.Noun)" -Module MailFlow -ErrorAction Ignore
            $existing = if ($command.Verb -eq 'Set' -and $parameter.Name -eq 'Identity' -and $get) { @(& $get) | Select-Object -First 1 }
            if ($existing) { return $existing.Identity }
            if ($command.Verb -eq 'New') { return 'malformed-arguments-test' }
            $nonexistent
        }

        foreach ($command in Get-Command -Module MailFlow) {
            $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $common })
            foreach ($parameter in $parameters) {
                $set = if ($parameter.ParameterSets.ContainsKey('__AllParameterSets')) { $command.DefaultParameterSet } else { @($parameter.ParameterSets.Keys)[0] }
                $mandatory = @($parameters | Where-Object { $_.Name -ne $parameter.Name -and ($_.ParameterSets.GetEnumerator() | Where-Object { $_.Value.IsMandatory -and $_.Key -in '__AllParameterSets', $set }) })
                foreach ($value in @(Values $command $parameter)) {
                    $arguments = @{}
                    foreach ($other in $mandatory) { $arguments[$other.Name] = Neutral $command $other }
                    $arguments[$parameter.Name] = $value
                    if ($command.Parameters.ContainsKey('Confirm')) { $arguments['Confirm'] = $false }
                    $case = [ordered]@{ Command = $command.Name; Parameter = $parameter.Name; Value = $value }
                    try {
                        $null = & $command.Name @arguments -ErrorAction Stop
                        $case.Error = $null
                    }
                    catch {
                        $ErrorView = 'NormalView'; $normal = $_ | Out-String -Width 300
                        $ErrorView = 'ConciseView'; $concise = $_ | Out-String -Width 300
                        $case.Error = [ordered]@{ Category = "$($_.CategoryInfo.Category)"; Id = $_.FullyQualifiedErrorId; Target = "$($_.TargetObject)"; Normal = $normal; Concise = $concise }
                    }
                    'CASE ' + ($case | ConvertTo-Json -Compress -Depth 3)
                }
            }
        }
        """;

    [Fact]
    public async Task Every_exported_command_refuses_malformed_arguments_without_a_stack_trace_and_changes_nothing()
    {
        // A running `mailflow serve`, so that the queue and service cmdlets take their control-channel path, and a send
        // connector, so that Set-SendConnector's values are checked against an object that exists.
        var (data, _) = ChildServer.Prepare(root);
        ServerAdministration.Open(data).Configuration.Update(c => c.SendConnectors.Add(new SendConnector { Name = "Outbound to Office 365", AddressSpaces = ["contoso.mail.onmicrosoft.com"] }));
        var before = Snapshot(data);
        using var server = await ChildServer.StartAsync(data);
        (int ExitCode, string Output, string Errors) run;
        try
        {
            run = await Pwsh.RunModuleScriptAsync(data.Root, Script);
        }
        finally
        {
            await ChildServer.TerminateAsync(server);
        }

        var (exit, output, errors) = run;

        Assert.True(exit == 0, errors + output);
        var cases = output.Split('\n').Where(l => l.StartsWith("CASE ", StringComparison.Ordinal)).Select(l => JsonSerializer.Deserialize<Case>(l[5..])!).ToList();
        Assert.True(cases.Select(c => c.Command).Distinct().Count() >= 30, $"only {cases.Count} cases ran: {errors}");
        var failures = cases.Select(Failure).Where(f => f is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases:\n" + string.Join("\n\n", failures));
        Assert.Equal(before, Snapshot(data));
    }

    private static string? Failure(Case c)
    {
        var call = $"{c.Command} -{c.Parameter} '{c.Value}'";
        if (c.Error is null)
        {
            return $"{call}: accepted (no error)";
        }

        foreach (var (view, text) in new[] { ("NormalView", c.Error.Normal), ("ConciseView", c.Error.Concise) })
        {
            if (StackFrame().IsMatch(text) || text.Contains("Exception calling", StringComparison.Ordinal) || text.Contains("The type initializer", StringComparison.Ordinal) || text.Contains("Object reference not set", StringComparison.Ordinal))
            {
                return $"{call}: {view} shows an exception:\n{text}";
            }
        }

        if (c.Error.Category == "NotSpecified")
        {
            return $"{call}: category NotSpecified ({c.Error.Id}):\n{c.Error.Concise}";
        }

        // The input is named by its value or by its parameter (an empty string has only its parameter to name it),
        // in NormalView, whose message is one line (ConciseView wraps it at the console's width).
        var message = c.Error.Normal;
        var named = (c.Value.Length > 0 && (message.Contains(c.Value, StringComparison.Ordinal) || c.Error.Target.Contains(c.Value, StringComparison.Ordinal)))
            || message.Contains($"'{c.Parameter}'", StringComparison.Ordinal) || message.Contains("-" + c.Parameter, StringComparison.Ordinal);
        return named ? null : $"{call}: the error does not name the input:\n{c.Error.Concise}";
    }

    /// <summary>config.json and every certificate file, as bytes.</summary>
    private static string Snapshot(DataDirectory data)
    {
        var files = new[] { Path.Combine(data.Root, "config.json") }.Concat(Directory.EnumerateFiles(data.Certificates, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        return string.Join("\n", files.Select(f => $"{Path.GetRelativePath(data.Root, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
    }

    [GeneratedRegex(@"^\s+at ", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    private sealed record Case(string Command, string Parameter, string Value, CaseError? Error);

    private sealed record CaseError(string Category, string Id, string Target, string Normal, string Concise);

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
