using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace MailFlow.PowerShell;

/// <summary>
/// Finds the module's native libraries (e_sqlite3, which Microsoft.Data.Sqlite's SQLitePCLRaw provider
/// P/Invokes) under the module's own <c>runtimes/&lt;rid&gt;/native</c> folder. pwsh probes native
/// libraries only through its own deps.json and the module's root folder, so without this the queue
/// cmdlets fail in a plain pwsh with "The type initializer for 'Microsoft.Data.Sqlite.SqliteConnection'
/// threw an exception"; a host that loads the module's deps.json (the test host) never raises the event.
/// </summary>
public sealed class NativeLibraries : IModuleAssemblyInitializer
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(NativeLibraries).Assembly.Location)!;

    public void OnImport()
    {
        // ResolvingUnmanagedDll fires only after the runtime's own probing failed, and is an event (not
        // SetDllImportResolver's one resolver per assembly), so it cannot take over from anyone else.
        // Import-Module -Force runs OnImport again: remove before adding so the handler is there once.
        AssemblyLoadContext.Default.ResolvingUnmanagedDll -= Resolve;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly requesting, string name)
    {
        // Only the module's own assemblies: another module's missing library is not ours to answer.
        if (!string.Equals(Path.GetDirectoryName(requesting.Location), ModuleDirectory, StringComparison.Ordinal))
        {
            return IntPtr.Zero;
        }

        foreach (var path in Candidates(name))
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>The file names the runtime itself would try, in the RID folders NuGet lays out for this machine.</summary>
    private static IEnumerable<string> Candidates(string name)
    {
        string[] files = OperatingSystem.IsWindows() ? [name + ".dll", name]
            : OperatingSystem.IsMacOS() ? ["lib" + name + ".dylib", name + ".dylib", name]
            : ["lib" + name + ".so", name + ".so", name];
        return Rids().SelectMany(rid => files.Select(file => Path.Combine(ModuleDirectory, "runtimes", rid, "native", file)));
    }

    /// <summary>
    /// The runtime's RID first (linux-musl-x64 on Alpine), then the portable one from OS and architecture,
    /// for a distribution-built .NET that reports its own RID (ubuntu.24.04-x64) for which NuGet has no folder.
    /// </summary>
    private static IEnumerable<string> Rids()
    {
        yield return RuntimeInformation.RuntimeIdentifier;
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        yield return os + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
    }
}
