# Exchange's service names for MailFlow's transport, so that "bounce the transport service" works as typed.
# A function, not a cmdlet: functions take precedence over cmdlets, so this Restart-Service is the one that
# runs even where Microsoft.PowerShell.Management's (Windows) is loaded too, and it hands that one every other name.

# MailFlow runs the Front End Transport and Transport services in one process: either name restarts it.
$TransportServiceNames = 'MSExchangeFrontEndTransport', 'MSExchangeTransport'

function Restart-Service {
    <#
    .SYNOPSIS
    Restarts a service; MSExchangeFrontEndTransport and MSExchangeTransport restart MailFlow's transport.

    .DESCRIPTION
    Restart-Service MSExchangeFrontEndTransport and Restart-Service MSExchangeTransport do what
    Restart-TransportService does: the running `mailflow serve` re-reads its configuration and certificates.
    MailFlow runs both Exchange services in one process, so either name restarts all of it.

    On Linux (and macOS) these names are MailFlow's service, not a Windows service: there is no Windows
    service manager, and PowerShell there has no Restart-Service of its own, so any other name is refused
    (use systemctl). On Windows any other name goes to Microsoft.PowerShell.Management\Restart-Service.

    .PARAMETER Name
    Service names, as Exchange's Restart-Service takes them (exact names, no wildcards for MailFlow's).

    .PARAMETER PassThru
    For MailFlow's transport, the service status after the restart (Restarts, LastRestartUtc, ...).

    .PARAMETER DataDirectory
    The MailFlow data directory (else $env:MAILFLOW_DATA), as for every MailFlow cmdlet.

    .EXAMPLE
    Restart-Service MSExchangeFrontEndTransport
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Default')]
    param(
        [Parameter(ParameterSetName = 'Default', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('ServiceName')]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'DisplayName', Mandatory)]
        [string[]] $DisplayName,

        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)]
        [object[]] $InputObject,

        [string[]] $Include,
        [string[]] $Exclude,
        [switch] $Force,
        [switch] $PassThru,
        [string] $DataDirectory
    )

    process {
        $others = [System.Collections.Generic.Dictionary[string, object]]::new($PSBoundParameters)
        $null = $others.Remove('DataDirectory')
        if ($PSCmdlet.ParameterSetName -eq 'Default') {
            $ours = @($Name | Where-Object { $_ -in $TransportServiceNames })
            if ($ours.Count -gt 0) {
                $restart = @{}
                if ($DataDirectory) { $restart.DataDirectory = $DataDirectory }
                # Restart-TransportService asks ShouldProcess itself, under -WhatIf/-Confirm inherited from here.
                $status = MailFlow\Restart-TransportService @restart
                if ($PassThru) { $status }
            }

            $others.Name = @($Name | Where-Object { $_ -notin $TransportServiceNames })
            if ($others.Name.Count -eq 0) { return }
        }

        if (Get-Command Microsoft.PowerShell.Management\Restart-Service -ErrorAction Ignore) {
            Microsoft.PowerShell.Management\Restart-Service @others
        }
        else {
            $target = if ($others.Name) { $others.Name -join ', ' } elseif ($DisplayName) { $DisplayName -join ', ' } else { $InputObject -join ', ' }
            # The parameter is named too: an empty -InputObject or -DisplayName would otherwise read as ''.
            $parameter = if ($others.Name) { 'Name' } elseif ($DisplayName) { 'DisplayName' } else { 'InputObject' }
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                [System.PlatformNotSupportedException]::new("Restart-Service here knows only MailFlow's transport ($($TransportServiceNames -join ', ')); restart -$parameter '$target' with the system's service manager (systemctl)."),
                'ServiceNotMailFlow', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $target))
        }
    }
}

Export-ModuleMember -Function Restart-Service
