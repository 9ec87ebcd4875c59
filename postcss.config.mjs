/** PostCSS runs Tailwind CSS v4 for app/globals.css. */
const config = {
  plugins: {
    '@tailwindcss/postcss': {},
  },
};

export default config;
