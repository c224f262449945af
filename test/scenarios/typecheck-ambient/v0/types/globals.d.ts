interface Settings { readonly speed: number }
