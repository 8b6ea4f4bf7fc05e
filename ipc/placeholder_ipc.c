int tend_ipc_placeholder;
